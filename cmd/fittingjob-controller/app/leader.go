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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	componentbaseconfig "k8s.io/component-base/config"
	componentbaseoptions "k8s.io/component-base/config/options"
	componentbasevalidation "k8s.io/component-base/config/validation"
	"k8s.io/klog/v2"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/controller"
)

// LeaderElection configures leader election on a Lease, which lets several
// replicas run with only one of them writing: component-base's
// configuration and flags, as Kubernetes' own components have them, plus
// this replica's identity.
type LeaderElection struct {
	componentbaseconfig.LeaderElectionConfiguration
	Identity string
}

func newLeaderElection() LeaderElection {
	return LeaderElection{
		LeaderElectionConfiguration: componentbaseconfig.LeaderElectionConfiguration{
			LeaseDuration:     metav1.Duration{Duration: 15 * time.Second},
			RenewDeadline:     metav1.Duration{Duration: 10 * time.Second},
			RetryPeriod:       metav1.Duration{Duration: 2 * time.Second},
			ResourceLock:      resourcelock.LeasesResourceLock,
			ResourceName:      controller.Name,
			ResourceNamespace: os.Getenv("POD_NAMESPACE"),
		},
		Identity: os.Getenv("POD_NAME"),
	}
}

// AddFlags adds the leader election flags to fs: component-base's
// (--leader-elect, --leader-elect-lease-duration, …) and --leader-elect-id.
// The names of earlier releases still work, with a deprecation warning, so
// that existing manifests keep working.
func (l *LeaderElection) AddFlags(fs *pflag.FlagSet) {
	componentbaseoptions.BindLeaderElectionFlags(&l.LeaderElectionConfiguration, fs)
	fs.StringVar(&l.Identity, "leader-elect-id", l.Identity, "Identity of this replica in the Lease. Default: $POD_NAME, else the host name.")

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

// Validate checks the configuration as component-base does (durations
// positive, the renew deadline within the lease, a lock name), and that the
// lock is a Lease, the only kind client-go still offers.
func (l *LeaderElection) Validate() error {
	path := field.NewPath("leaderElection")
	errs := componentbasevalidation.ValidateLeaderElectionConfiguration(&l.LeaderElectionConfiguration, path)
	if l.LeaderElect && l.ResourceLock != resourcelock.LeasesResourceLock {
		errs = append(errs, field.NotSupported(path.Child("resourceLock"), l.ResourceLock, []string{resourcelock.LeasesResourceLock}))
	}
	if len(errs) > 0 {
		return fmt.Errorf("leader election flags (the Lease's namespace defaults to $POD_NAMESPACE): %w", errs.ToAggregate())
	}
	return nil
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
	if l.ResourceNamespace == "" {
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
	lock, err := resourcelock.New(l.ResourceLock, l.ResourceNamespace, l.ResourceName,
		client.CoreV1(), client.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: identity})
	if err != nil {
		return nil, fmt.Errorf("creating the leader Lease lock: %w", err)
	}
	watchdog := leaderelection.NewLeaderHealthzAdaptor(l.RenewDeadline.Duration)
	return &elector{
		config: leaderelection.LeaderElectionConfig{
			Lock:            lock,
			Name:            l.ResourceName,
			LeaseDuration:   l.LeaseDuration.Duration,
			RenewDeadline:   l.RenewDeadline.Duration,
			RetryPeriod:     l.RetryPeriod.Duration,
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
