package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/controller"
)

// LeaderElection holds the flags of leader election on a Lease, which lets
// several replicas run with only one of them writing.
type LeaderElection struct {
	Enabled       bool
	Namespace     string
	Name          string
	Identity      string
	LeaseDuration time.Duration
	RenewDeadline time.Duration
	RetryPeriod   time.Duration
}

func newLeaderElection() LeaderElection {
	return LeaderElection{
		Namespace:     os.Getenv("POD_NAMESPACE"),
		Name:          controller.Name,
		Identity:      os.Getenv("POD_NAME"),
		LeaseDuration: 15 * time.Second,
		RenewDeadline: 10 * time.Second,
		RetryPeriod:   2 * time.Second,
	}
}

// AddFlags adds the leader election flags to fs, named as Kubernetes' own
// components name them. The names of earlier releases still work, with a
// deprecation warning, so that existing manifests keep working.
func (l *LeaderElection) AddFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&l.Enabled, "leader-elect", false, "Run workers only while holding the leader Lease, so that several replicas can run.")
	fs.StringVar(&l.Namespace, "leader-elect-resource-namespace", l.Namespace, "Namespace of the leader Lease. Default: $POD_NAMESPACE.")
	fs.StringVar(&l.Name, "leader-elect-resource-name", l.Name, "Name of the leader Lease.")
	fs.StringVar(&l.Identity, "leader-elect-id", l.Identity, "Identity of this replica in the Lease. Default: $POD_NAME, else the host name.")
	fs.DurationVar(&l.LeaseDuration, "leader-elect-lease-duration", l.LeaseDuration, "How long a standby waits before taking over a Lease that is not renewed.")
	fs.DurationVar(&l.RenewDeadline, "leader-elect-renew-deadline", l.RenewDeadline, "How long the leader keeps trying to renew before it stops.")
	fs.DurationVar(&l.RetryPeriod, "leader-elect-retry-period", l.RetryPeriod, "How often candidates try to acquire or renew the Lease.")

	for old, replacement := range map[string]string{
		"leader-elect-namespace":  "leader-elect-resource-namespace",
		"leader-elect-lease-name": "leader-elect-resource-name",
	} {
		// The old name sets the replacement's value.
		fs.Var(fs.Lookup(replacement).Value, old, "Deprecated name of --"+replacement+".")
		// MarkDeprecated only fails for a flag that does not exist.
		_ = fs.MarkDeprecated(old, "use --"+replacement+" instead")
	}
}

// elector runs the controller while this replica leads.
type elector struct {
	config leaderelection.LeaderElectionConfig
	// watchdog fails /healthz when the leader has stopped renewing, so that
	// the kubelet restarts a replica stuck believing it leads.
	watchdog *leaderelection.HealthzAdaptor
	run      func(ctx context.Context) error
}

func (l *LeaderElection) newElector(client kubernetes.Interface, run func(context.Context) error) (*elector, error) {
	if l.Namespace == "" {
		return nil, errors.New("--leader-elect needs --leader-elect-resource-namespace (or $POD_NAMESPACE)")
	}
	identity := l.Identity
	if identity == "" {
		host, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("choosing a leader election identity: %w", err)
		}
		identity = host
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, l.Namespace, l.Name,
		client.CoreV1(), client.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: identity})
	if err != nil {
		return nil, fmt.Errorf("creating the leader Lease lock: %w", err)
	}
	watchdog := leaderelection.NewLeaderHealthzAdaptor(l.RenewDeadline)
	return &elector{
		config: leaderelection.LeaderElectionConfig{
			Lock:            lock,
			Name:            l.Name,
			LeaseDuration:   l.LeaseDuration,
			RenewDeadline:   l.RenewDeadline,
			RetryPeriod:     l.RetryPeriod,
			ReleaseOnCancel: true,
			WatchDog:        watchdog,
		},
		watchdog: watchdog,
		run:      run,
	}, nil
}

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

	var (
		runErr error
		ran    = make(chan struct{})
		le     *leaderelection.LeaderElector
		// stopRun ends the current run. client-go cancels the leader's
		// context only after its attempt to release the Lease, one more
		// round trip behind the workers' requests; a replica that sees
		// another holder stops at once instead.
		mu      sync.Mutex
		stopRun = func() {}
	)
	config := e.config
	config.Callbacks = leaderelection.LeaderCallbacks{
		OnStartedLeading: func(leadingCtx context.Context) {
			leading.Store(true)
			logger.Info("Started leading")
			runCtx, cancel := context.WithCancel(leadingCtx)
			defer cancel()
			defer context.AfterFunc(ctx, cancel)()
			mu.Lock()
			stopRun = cancel
			mu.Unlock()
			runErr = e.run(runCtx)
			close(ran)
			stopElection()
		},
		OnStoppedLeading: func() { logger.Info("Stopped leading") },
		OnNewLeader: func(identity string) {
			// Called on its own goroutine: check that the Lease is still
			// another's, so that a late call cannot stop a run begun since.
			if !le.IsLeader() {
				mu.Lock()
				stopRun()
				mu.Unlock()
			}
		},
	}
	var err error
	le, err = leaderelection.NewLeaderElector(config)
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
