package main

import (
	"encoding/json"
	"os"
)

// The kubeconfig is written as JSON (which is valid YAML) so the launcher
// needs no YAML library; []byte fields marshal to the base64 the *-data keys
// expect.
type kubeconfig struct {
	APIVersion     string         `json:"apiVersion"`
	Kind           string         `json:"kind"`
	Clusters       []namedCluster `json:"clusters"`
	Users          []namedUser    `json:"users"`
	Contexts       []namedContext `json:"contexts"`
	CurrentContext string         `json:"current-context"`
}

type namedCluster struct {
	Name    string `json:"name"`
	Cluster struct {
		Server string `json:"server"`
		CAData []byte `json:"certificate-authority-data"`
	} `json:"cluster"`
}

type namedUser struct {
	Name string `json:"name"`
	User struct {
		CertData []byte `json:"client-certificate-data"`
		KeyData  []byte `json:"client-key-data"`
		As       string `json:"as,omitempty"`
	} `json:"user"`
}

type namedContext struct {
	Name    string `json:"name"`
	Context struct {
		Cluster string `json:"cluster"`
		User    string `json:"user"`
	} `json:"context"`
}

// writeKubeconfig writes an admin kubeconfig for server; a non-empty as makes
// every request impersonate that user (allowed because admin is in
// system:masters), so the caller is held to that user's RBAC.
func writeKubeconfig(path, server string, p *pki, as string) error {
	c := kubeconfig{APIVersion: "v1", Kind: "Config", CurrentContext: "localcluster"}
	var cl namedCluster
	cl.Name = "localcluster"
	cl.Cluster.Server = server
	cl.Cluster.CAData = p.caPEM
	var u namedUser
	u.Name = "admin"
	u.User.CertData = p.adminCertPEM
	u.User.KeyData = p.adminKeyPEM
	u.User.As = as
	var ctx namedContext
	ctx.Name = "localcluster"
	ctx.Context.Cluster = cl.Name
	ctx.Context.User = u.Name
	c.Clusters, c.Users, c.Contexts = []namedCluster{cl}, []namedUser{u}, []namedContext{ctx}

	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o600)
}
