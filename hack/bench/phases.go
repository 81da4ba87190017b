package main

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// convergenceTargets are the bench's targets (hack/bench/README.md): time
// within 10 % of the floor, the controller's CPU per write, steady CPU
// and RSS (maxSteadyRSS), and memory growth with unrelated objects.
const (
	maxTimeRatio       = 1.10
	maxCPUPerWrite     = 0.30 // milliseconds
	maxSteadyCPU       = 0.1  // seconds per 3 resyncs
	maxMemoryGrowthPct = 5
)

func (b *bench) ns(suffix string) string { return "bench-" + suffix }

// convergenceRows are the rows of a phase timed against the floor.
//
// The floor's CPU is the bench's own over the floor's window less its own
// over the controller's: the users' requests and the observer's watches
// are the same in both, so what is left is the floor's clients, doing the
// writes of the syncs without informers, queue or events.
func (b *bench) convergenceRows(name, figure string) func([]result) {
	return func(res []result) {
		floor, ctrl := res[0], res[1]
		r := b.report
		r.compare(name, figure, ctrl.took.Seconds(), floor.took.Seconds(), "%.1fs", atMost(maxTimeRatio))
		r.compare(name, "writes to ConfigMaps, CronJobs, FittingJobs (API server)", objectWrites(ctrl.api), objectWrites(floor.api), "%g", noLimit)
		floorCPU := max(0, floor.benchCPU-ctrl.benchCPU)
		r.beside(name, "CPU seconds (floor: the bench's, less its own in the controller's window)", ctrl.cpu, floorCPU, "%.2f", noLimit)
		r.beside(name, "CPU ms per write of a sync (ConfigMaps, CronJobs, status)",
			perWrite(ctrl.cpu, ownWrites(ctrl.api)), perWrite(floorCPU, ownWrites(floor.api)), "%.3f", atMost(maxCPUPerWrite))
		r.value(name, "controller RSS at the end, MB", ctrl.rss/1e6, "%.1f", noLimit)
		// Carrying out the users' creates and updates records no Event
		// (pkg/controller/README.md, "Events"), so the bound is 0, tighter
		// than one event per sync that changed something.
		r.value(name, "Events created or patched (API server)", eventWrites(ctrl.api), "%g", atMost(0))
	}
}

// cold: N FittingJobs exist before the controller starts.
func (b *bench) cold() phase {
	floorNS, ctrlNS := b.ns("cold-floor"), b.ns("cold")
	return phase{
		runs: []run{{
			name: "cold/floor", namespace: floorNS, image: benchImage, controller: stopped,
			prepare: b.createFittingJobs(floorNS), act: b.floor.cold(floorNS), until: converged, drop: floorNS,
		}, {
			name: "cold/controller", namespace: ctrlNS, image: benchImage, controller: stopped,
			prepare: b.createFittingJobs(ctrlNS), act: b.proc.start, until: converged, drop: ctrlNS,
		}},
		report: b.convergenceRows("cold", fmt.Sprintf("exec -> all %d Ready with both children", b.opts.n)),
	}
}

// online: the controller runs while users create N FittingJobs at once;
// they stay as the main namespace of the phases that follow.
func (b *bench) online() phase {
	floorNS, ctrlNS := b.ns("online-floor"), b.ns("main")
	return phase{
		runs: []run{{
			name: "online/floor", namespace: floorNS, image: benchImage, controller: stopped,
			prepare: func(ctx context.Context) error { return b.createNamespace(ctx, floorNS) },
			act:     b.floor.online(b.adminIhpa, floorNS, b.opts.n), until: converged, drop: floorNS,
		}, {
			name: "online/controller", namespace: ctrlNS, image: benchImage, controller: running,
			prepare: func(ctx context.Context) error { return b.createNamespace(ctx, ctrlNS) },
			act: func(ctx context.Context) error {
				return parallel(ctx, b.opts.n, b.opts.workers, func(ctx context.Context, i int) error {
					_, err := b.adminIhpa.IhpaV1beta2().FittingJobs(ctrlNS).Create(ctx, newFittingJob(ctrlNS, i), metav1.CreateOptions{})
					return err
				})
			},
			until: converged,
		}},
		report: func(res []result) {
			b.mainNS = ctrlNS
			b.convergenceRows("online", fmt.Sprintf("first create -> all %d Ready with both children", b.opts.n))(res)
		},
	}
}

// ensureMain gives the phases after online N FittingJobs synced by the
// running controller, when online did not.
func (b *bench) ensureMain(ctx context.Context) error {
	if b.mainNS != "" {
		return b.setController(ctx, running)
	}
	ns := b.ns("main")
	if err := b.drop(ctx, ns); err != nil {
		return err
	}
	_, err := b.do(ctx, run{name: "main: N synced FittingJobs", namespace: ns, image: benchImage,
		controller: running, act: b.createFittingJobs(ns), until: converged})
	b.mainNS = ns
	return err
}

// steady: N synced FittingJobs, 3 resync periods, nothing changes.
func (b *bench) steady() phase {
	o := b.opts
	return phase{
		runs: []run{{name: "steady", namespace: b.mainNS, image: benchImage, controller: running, until: holdFor(3 * o.resync)}},
		report: func(res []result) {
			s, r := res[0], b.report
			r.value("steady", fmt.Sprintf("controller CPU seconds over 3 x %v", o.resync), s.cpu, "%.2f", atMost(maxSteadyCPU))
			r.value("steady", "controller RSS, MB", s.rss/1e6, "%.1f", atMost(maxSteadyRSS(o.n)/1e6))
			b.noWrites("steady", s)
			r.info("steady", "syncs in the window (resyncs: about 3 x N)", fmt.Sprintf("%g", total(s.syncs)))
		},
	}
}

// noWrites are the rows of a window in which nothing changed.
func (b *bench) noWrites(phase string, s result) {
	r := b.report
	r.value(phase, "writes seen by watches (children + FittingJobs)", total(s.watch), "%g", atMost(0))
	r.value(phase, "mutating requests to ConfigMaps, CronJobs, FittingJobs (API server)", objectWrites(s.api), "%g", atMost(0))
	r.value(phase, "Events created or patched (API server)", eventWrites(s.api), "%g", atMost(0))
}

// restart: the controller stopped and started again on N synced
// FittingJobs.
func (b *bench) restart() phase {
	var readyAfter time.Duration
	return phase{
		runs: []run{{
			name: "restart", namespace: b.mainNS, image: benchImage, controller: stopped,
			act: func(ctx context.Context) error {
				t0 := time.Now()
				if err := b.proc.start(ctx); err != nil {
					return err
				}
				err := b.proc.waitReady(ctx, b.opts.timeout)
				readyAfter = time.Since(t0)
				return err
			},
			until: syncedOnce,
		}},
		report: func(res []result) {
			s, r := res[0], b.report
			r.info("restart", "exec -> /readyz (caches synced)", seconds(readyAfter))
			r.info("restart", fmt.Sprintf("exec -> all %d synced once, queue empty", b.opts.n), seconds(s.took))
			r.value("restart", "controller CPU seconds", s.cpu, "%.2f", noLimit)
			r.value("restart", "controller RSS, MB", s.rss/1e6, "%.1f", noLimit)
			r.value("restart", "FittingJobs no longer converged (watch)", float64(b.opts.n-s.converged), "%g", atMost(0))
			b.noWrites("restart", s)
		},
	}
}

// memory: the controller's RSS with N synced, then with -unrelated
// ConfigMaps without the managed-by label in another namespace; then, as
// the positive control, as many with the label, which the controller
// caches by design (no owner and no child's name, so they cause no write):
// its growth shows what the measurement would catch.
func (b *bench) memory() phase {
	o := b.opts
	var base, unrelated, control []float64
	sample := func(into *[]float64) until {
		return func(ctx context.Context, b *bench, _ *observer) error {
			// A resync first, so that whatever the controller does about
			// the new objects has happened; then samples over two more,
			// as the heap breathes with each.
			if err := holdFor(o.resync)(ctx, b, nil); err != nil {
				return err
			}
			for range 20 {
				u, err := b.proc.usage()
				if err != nil {
					return err
				}
				*into = append(*into, u.rss)
				if err := holdFor(o.resync/10)(ctx, b, nil); err != nil {
					return err
				}
			}
			return nil
		}
	}
	memoryRun := func(name, ns string, labels map[string]string, into *[]float64) run {
		r := run{name: name, namespace: b.mainNS, image: benchImage, controller: running, until: sample(into), drop: ns}
		if ns != "" {
			r.prepare = b.createConfigMaps(ns, labels)
		}
		return r
	}
	labelled := map[string]string{ihpav1beta2.ManagedByLabel: ihpav1beta2.ManagedByValue}
	return phase{
		runs: []run{
			memoryRun("memory/baseline", "", nil, &base),
			memoryRun("memory/unrelated", b.ns("unrelated"), nil, &unrelated),
			memoryRun("memory/control", b.ns("labelled"), labelled, &control),
		},
		report: func([]result) {
			r := b.report
			r.growth("memory", fmt.Sprintf("RSS median, %d synced -> + %d unrelated ConfigMaps", o.n, o.unrelated), median(base), median(unrelated), atMost(maxMemoryGrowthPct))
			r.growth("memory", fmt.Sprintf("control: + %d ConfigMaps WITH the label (cached by design)", o.unrelated), median(base), median(control), noLimit)
			r.note("memory: RSS samples, MB: baseline %s; unrelated %s; control %s", mb(base), mb(unrelated), mb(control))
		},
	}
}

func mb(v []float64) string {
	s := ""
	for _, x := range v {
		s += fmt.Sprintf(" %.1f", x/1e6)
	}
	return s
}

// storm: users change the image and customConfig of all N at once; until
// both children and the status reflect it. The floor runs first on the
// same namespace, the controller stopped; the controller then starts on
// the floor's result.
func (b *bench) storm() phase {
	stamp := time.Now().Format("150405")
	floorImage, ctrlImage := "registry.example.com/fittingjob:floor-"+stamp, "registry.example.com/fittingjob:ctrl-"+stamp
	ns := b.mainNS
	floorState, ctrlState := &stormState{}, &stormState{}
	return phase{
		runs: []run{{
			name: "storm/floor", namespace: ns, image: floorImage, controller: stopped,
			prepare: b.listStormState(ns, floorState, withChildren), act: b.floor.storm(b.adminIhpa, floorState, floorImage), until: converged,
		}, {
			name: "storm/controller", namespace: ns, image: ctrlImage, controller: running,
			prepare: func(ctx context.Context) error {
				*floorState = stormState{} // the floor's copy of N objects is no longer needed
				return b.listStormState(ns, ctrlState, fittingJobsOnly)(ctx)
			},
			act: func(ctx context.Context) error {
				return parallel(ctx, len(ctrlState.fjs), b.opts.workers, func(ctx context.Context, i int) error {
					fj := withImage(&ctrlState.fjs[i], ctrlImage)
					_, err := b.adminIhpa.IhpaV1beta2().FittingJobs(ns).Update(ctx, fj, metav1.UpdateOptions{})
					return err
				})
			},
			until: converged,
		}},
		report: b.convergenceRows("storm", fmt.Sprintf("first update -> all %d Ready with both children updated", b.opts.n)),
	}
}

// listStormState reads what the storm starts from (untimed): the
// FittingJobs and, for the floor (withChildren), their children.
func (b *bench) listStormState(ns string, st *stormState, with stormNeeds) func(context.Context) error {
	return func(ctx context.Context) error {
		fjs, err := b.adminIhpa.IhpaV1beta2().FittingJobs(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		if st.fjs = fjs.Items; with == fittingJobsOnly {
			return nil
		}
		cms, err := b.admin.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		cjs, err := b.admin.BatchV1().CronJobs(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		// Without managedFields, as the controller's cache holds them.
		st.cms, st.cjs = map[string]*corev1.ConfigMap{}, map[string]*batchv1.CronJob{}
		for i := range cms.Items {
			if owner, ok := generator.OwnerOf(&cms.Items[i]); ok {
				st.cms[owner], cms.Items[i].ManagedFields = &cms.Items[i], nil
			}
		}
		for i := range cjs.Items {
			if owner, ok := generator.OwnerOf(&cjs.Items[i]); ok {
				st.cjs[owner], cjs.Items[i].ManagedFields = &cjs.Items[i], nil
			}
		}
		return nil
	}
}

// stormNeeds says what a side of the storm lists first.
type stormNeeds int

const (
	fittingJobsOnly stormNeeds = iota
	withChildren
)
