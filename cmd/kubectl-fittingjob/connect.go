package main

import (
	"fmt"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/generated/clientset/versioned"
)

// connect reads the kubeconfig as kubectl does (--kubeconfig, else
// $KUBECONFIG, else ~/.kube/config, else in-cluster; -n, else the
// context's namespace) and returns the namespace and the clients.
func connect(configFlags *genericclioptions.ConfigFlags) (string, kubernetes.Interface, versioned.Interface, error) {
	namespace, _, err := configFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return "", nil, nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	config, err := configFlags.ToRESTConfig()
	if err != nil {
		return "", nil, nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	config = rest.AddUserAgent(config, "kubectl-fittingjob")
	kube, err := kubernetes.NewForConfig(config)
	if err != nil {
		return "", nil, nil, err
	}
	ihpa, err := versioned.NewForConfig(config)
	if err != nil {
		return "", nil, nil, err
	}
	return namespace, kube, ihpa, nil
}
