package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/controller"
)

// leaderElection holds the flags of leader election on a Lease, which lets
// several replicas run with only one of them writing.
type leaderElection struct {
	enabled       bool
	namespace     string
	name          string
	identity      string
	leaseDuration time.Duration
	renewDeadline time.Duration
	retryPeriod   time.Duration
}

func (l *leaderElection) addFlags(fs *flag.FlagSet) {
	fs.BoolVar(&l.enabled, "leader-elect", false, "Run workers only while holding the leader Lease, so that several replicas can run.")
	fs.StringVar(&l.namespace, "leader-elect-namespace", os.Getenv("POD_NAMESPACE"), "Namespace of the leader Lease. Default: $POD_NAMESPACE.")
	fs.StringVar(&l.name, "leader-elect-lease-name", controller.Name, "Name of the leader Lease.")
	fs.StringVar(&l.identity, "leader-elect-id", os.Getenv("POD_NAME"), "Identity of this replica in the Lease. Default: $POD_NAME, else the host name.")
	fs.DurationVar(&l.leaseDuration, "leader-elect-lease-duration", 15*time.Second, "How long a standby waits before taking over a Lease that is not renewed.")
	fs.DurationVar(&l.renewDeadline, "leader-elect-renew-deadline", 10*time.Second, "How long the leader keeps trying to renew before it stops.")
	fs.DurationVar(&l.retryPeriod, "leader-elect-retry-period", 2*time.Second, "How often candidates try to acquire or renew the Lease.")
}

// elector runs the controller while this replica leads.
type elector struct {
	config leaderelection.LeaderElectionConfig
	// watchdog fails /healthz when the leader has stopped renewing, so that
	// the kubelet restarts a replica stuck believing it leads.
	watchdog *leaderelection.HealthzAdaptor
	run      func(ctx context.Context) error
}

func (l *leaderElection) newElector(client kubernetes.Interface, run func(context.Context) error) (*elector, error) {
	if l.namespace == "" {
		return nil, errors.New("--leader-elect needs --leader-elect-namespace (or $POD_NAMESPACE)")
	}
	identity := l.identity
	if identity == "" {
		host, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("choosing a leader election identity: %w", err)
		}
		identity = host
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, l.namespace, l.name,
		client.CoreV1(), client.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: identity})
	if err != nil {
		return nil, fmt.Errorf("creating the leader Lease lock: %w", err)
	}
	watchdog := leaderelection.NewLeaderHealthzAdaptor(l.renewDeadline)
	return &elector{
		config: leaderelection.LeaderElectionConfig{
			Lock:            lock,
			Name:            l.name,
			LeaseDuration:   l.leaseDuration,
			RenewDeadline:   l.renewDeadline,
			RetryPeriod:     l.retryPeriod,
			ReleaseOnCancel: true,
			WatchDog:        watchdog,
		},
		watchdog: watchdog,
		run:      run,
	}, nil
}

func (e *elector) check(r *http.Request) error { return e.watchdog.Check(r) }

// runElected campaigns for the Lease and runs the controller while leading.
// On shutdown it releases the Lease only after the workers have drained, so
// that the next leader never syncs beside a finishing one. Losing the Lease
// is an error: the process exits and starts over as a candidate.
func (e *elector) runElected(ctx context.Context) error {
	logger := klog.FromContext(ctx)

	// The elector's context outlives ctx while the workers drain.
	electionCtx, stopElection := context.WithCancel(context.WithoutCancel(ctx))
	defer stopElection()
	var leading atomic.Bool
	stopUnlessLeading := context.AfterFunc(ctx, func() {
		if !leading.Load() {
			stopElection()
		}
	})
	defer stopUnlessLeading()

	var runErr error
	ran := make(chan struct{})
	config := e.config
	config.Callbacks = leaderelection.LeaderCallbacks{
		OnStartedLeading: func(leadingCtx context.Context) {
			leading.Store(true)
			logger.Info("Started leading")
			runCtx, cancel := context.WithCancel(leadingCtx)
			defer cancel()
			defer context.AfterFunc(ctx, cancel)()
			runErr = e.run(runCtx)
			close(ran)
			stopElection()
		},
		OnStoppedLeading: func() { logger.Info("Stopped leading") },
	}
	le, err := leaderelection.NewLeaderElector(config)
	if err != nil {
		return fmt.Errorf("creating the leader elector: %w", err)
	}
	le.Run(electionCtx)
	if !leading.Load() {
		return nil
	}
	<-ran // le.Run returns at once when the Lease is lost; wait for the drain.
	if runErr != nil {
		return runErr
	}
	if ctx.Err() == nil {
		return errors.New("lost the leader Lease")
	}
	return nil
}
