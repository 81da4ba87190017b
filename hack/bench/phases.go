package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
	"github.com/intelligent-hpa/fittingjob-controller/pkg/generator"
)

// prepConcurrency is how many goroutines prepare fixtures (untimed).
const prepConcurrency = 16

// settleQuiet is how long the controller must send nothing but GETs to be
// considered settled.
const settleQuiet = 3 * time.Second

func (b *bench) ns(suffix string) string { return b.opts.prefix + "-" + suffix }

// startController starts the controller (stopped first if running) and
// waits until it is ready and has settled.
func (b *bench) startController(ctx context.Context) error {
	if b.proc.cmd != nil {
		return nil
	}
	progress("starting the controller")
	if err := b.proc.start(); err != nil {
		return err
	}
	if _, err := b.proc.waitReady(ctx, b.opts.timeout); err != nil {
		return err
	}
	_, _, err := b.proc.settle(ctx, settleQuiet, b.opts.timeout)
	return err
}

func (b *bench) stopController() error {
	if b.proc.cmd == nil {
		return nil
	}
	progress("stopping the controller")
	return b.proc.stop()
}

// prepare creates a namespace holding the N FittingJobs (untimed).
func (b *bench) prepare(ctx context.Context, namespace string) error {
	progress("creating %d FittingJobs in %s", b.opts.n, namespace)
	if err := createNamespace(ctx, b.admin, namespace); err != nil {
		return err
	}
	return createFittingJobs(ctx, b.adminIhpa, newFittingJobs(namespace, b.opts.n), prepConcurrency)
}

func (b *bench) drop(ctx context.Context, namespace string) error {
	progress("deleting namespace %s", namespace)
	return deleteNamespace(ctx, b.admin, namespace, b.opts.timeout)
}

// bucketNote explains a run's time by client-side rate limiting. The
// controller sends child writes (ConfigMaps, CronJobs) through its
// Kubernetes clientset, status writes through its FittingJob clientset and
// events through a clientset of their own; each clientset has one token
// bucket of QPS -qps and burst -burst, and so do the floor's two. K
// requests through one bucket take at least (K - burst) / QPS. busy is
// from the start of the run to the last write.
func (b *bench) bucketNote(label string, st windowStats, busy time.Duration) string {
	var children, events, status float64
	for k, v := range st.api {
		f := strings.Fields(k)
		if len(f) != 3 {
			continue
		}
		switch f[1] {
		case "configmaps", "cronjobs":
			children += v
		case "events":
			events += v
		case "fittingjobs/status":
			status += v
		}
	}
	minimum := func(k float64) string {
		return seconds(time.Duration(max(0, k-float64(b.opts.burst)) / b.opts.qps * float64(time.Second)))
	}
	return fmt.Sprintf("%s: last write at +%s; child writes %g (%.1f/s, token-bucket minimum %s); status writes %g (minimum %s); events %g (minimum %s)",
		label, seconds(busy), children, children/busy.Seconds(), minimum(children), status, minimum(status), events, minimum(events))
}

// busyUntil is the last write seen by settle, or done if settle saw none.
func busyUntil(lastWrite, done time.Time) time.Time {
	if lastWrite.After(done) {
		return lastWrite
	}
	return done
}

// cold: N FittingJobs exist before the controller starts.
func (b *bench) cold(ctx context.Context) error {
	o := b.opts
	if err := b.stopController(); err != nil {
		return err
	}

	// The floor.
	floorNS := b.ns("cold-floor")
	if err := b.prepare(ctx, floorNS); err != nil {
		return err
	}
	ready := readyWithChildren()
	obs, err := observe(ctx, b.admin, b.adminIhpa, floorNS, o.n, ready)
	if err != nil {
		return err
	}
	w, err := b.begin(ctx, obs, false, false)
	if err != nil {
		return err
	}
	progress("cold floor: listing and writing the children and statuses of %d FittingJobs", o.n)
	t0 := time.Now()
	if err := b.floor.cold(ctx, floorNS); err != nil {
		return fmt.Errorf("cold floor: %w", err)
	}
	doneAt, err := obs.wait(ctx, ready, o.timeout, nil)
	if err != nil {
		return fmt.Errorf("cold floor: %w", err)
	}
	floorTime := doneAt.Sub(t0)
	floorStats, err := w.end(ctx)
	if err != nil {
		return err
	}
	obs.stop()
	if err := b.drop(ctx, floorNS); err != nil {
		return err
	}

	// The controller.
	ctrlNS := b.ns("cold")
	if err := b.prepare(ctx, ctrlNS); err != nil {
		return err
	}
	ready = readyWithChildren()
	if obs, err = observe(ctx, b.admin, b.adminIhpa, ctrlNS, o.n, ready); err != nil {
		return err
	}
	defer obs.stop()
	if w, err = b.begin(ctx, obs, true, true); err != nil {
		return err
	}
	progress("cold: starting the controller on %d FittingJobs", o.n)
	if err := b.proc.start(); err != nil {
		return err
	}
	t0 = b.proc.started
	readyAt, err := b.proc.waitReady(ctx, o.timeout)
	if err != nil {
		return err
	}
	if doneAt, err = obs.wait(ctx, ready, o.timeout, b.proc.alive); err != nil {
		return fmt.Errorf("cold: %w", err)
	}
	ctrlTime := doneAt.Sub(t0)
	_, lastWrite, err := b.proc.settle(ctx, settleQuiet, o.timeout)
	if err != nil {
		return err
	}
	ctrlStats, err := w.end(ctx)
	if err != nil {
		return err
	}

	b.report.ratioRow("cold", fmt.Sprintf("start -> all %d Ready with both children", o.n), ctrlTime, floorTime, 1.1)
	b.report.infoRow("cold", "start -> /readyz (caches synced)", seconds(readyAt.Sub(t0)))
	b.report.note("%s", floorStats.describe("cold/floor", floorTime))
	b.report.note("%s", ctrlStats.describe("cold/controller", ctrlTime))
	b.report.note("%s", b.bucketNote("cold/floor", floorStats, floorTime))
	b.report.note("%s", b.bucketNote("cold/controller", ctrlStats, busyUntil(lastWrite, doneAt).Sub(t0)))

	// The next phases start from their own namespaces.
	if err := b.stopController(); err != nil {
		return err
	}
	if b.skipped("online") {
		b.mainNS = ctrlNS
		return nil
	}
	obs.stop()
	return b.drop(ctx, ctrlNS)
}

// online: the controller runs while N FittingJobs are created at once.
func (b *bench) online(ctx context.Context) error {
	o := b.opts
	if b.mainNS != "" {
		if err := b.stopController(); err != nil {
			return err
		}
		if err := b.drop(ctx, b.mainNS); err != nil {
			return err
		}
		b.mainNS = ""
	}
	if err := b.stopController(); err != nil {
		return err
	}

	// The floor: the controller is stopped (it would reconcile the
	// floor's namespace too).
	floorNS := b.ns("online-floor")
	if err := createNamespace(ctx, b.admin, floorNS); err != nil {
		return err
	}
	ready := readyWithChildren()
	obs, err := observe(ctx, b.admin, b.adminIhpa, floorNS, o.n, ready)
	if err != nil {
		return err
	}
	w, err := b.begin(ctx, obs, false, false)
	if err != nil {
		return err
	}
	progress("online floor: creating %d FittingJobs, each with its children and status", o.n)
	t0 := time.Now()
	if err := b.floor.online(ctx, b.creatorIhpa, newFittingJobs(floorNS, o.n), o.concurrency); err != nil {
		return fmt.Errorf("online floor: %w", err)
	}
	doneAt, err := obs.wait(ctx, ready, o.timeout, nil)
	if err != nil {
		return fmt.Errorf("online floor: %w", err)
	}
	floorTime := doneAt.Sub(t0)
	floorStats, err := w.end(ctx)
	if err != nil {
		return err
	}
	obs.stop()
	if err := b.drop(ctx, floorNS); err != nil {
		return err
	}

	// The controller.
	ctrlNS := b.ns("main")
	if err := createNamespace(ctx, b.admin, ctrlNS); err != nil {
		return err
	}
	b.mainNS = ctrlNS
	if err := b.startController(ctx); err != nil {
		return err
	}
	ready = readyWithChildren()
	if obs, err = observe(ctx, b.admin, b.adminIhpa, ctrlNS, o.n, ready); err != nil {
		return err
	}
	defer obs.stop()
	if w, err = b.begin(ctx, obs, true, false); err != nil {
		return err
	}
	progress("online: creating %d FittingJobs while the controller runs", o.n)
	t0 = time.Now()
	if err := createFittingJobs(ctx, b.creatorIhpa, newFittingJobs(ctrlNS, o.n), o.concurrency); err != nil {
		return fmt.Errorf("online: %w", err)
	}
	createdAt := time.Now()
	if doneAt, err = obs.wait(ctx, ready, o.timeout, b.proc.alive); err != nil {
		return fmt.Errorf("online: %w", err)
	}
	ctrlTime := doneAt.Sub(t0)
	_, lastWrite, err := b.proc.settle(ctx, settleQuiet, o.timeout)
	if err != nil {
		return err
	}
	ctrlStats, err := w.end(ctx)
	if err != nil {
		return err
	}
	b.report.ratioRow("online", fmt.Sprintf("first create -> all %d Ready with both children", o.n), ctrlTime, floorTime, 1.1)
	b.report.infoRow("online", "first create -> last create (users' client)", seconds(createdAt.Sub(t0)))
	b.report.note("%s", floorStats.describe("online/floor", floorTime))
	b.report.note("%s", ctrlStats.describe("online/controller", ctrlTime))
	b.report.note("%s", b.bucketNote("online/floor", floorStats, floorTime))
	b.report.note("%s", b.bucketNote("online/controller", ctrlStats, busyUntil(lastWrite, doneAt).Sub(t0)))
	return nil
}

// ensureMain makes sure that mainNS holds N FittingJobs the running
// controller has synced.
func (b *bench) ensureMain(ctx context.Context) error {
	if err := b.startController(ctx); err != nil {
		return err
	}
	if b.mainNS != "" {
		return nil
	}
	ns := b.ns("main")
	if err := b.prepare(ctx, ns); err != nil {
		return err
	}
	b.mainNS = ns
	ready := readyWithChildren()
	obs, err := observe(ctx, b.admin, b.adminIhpa, ns, b.opts.n, ready)
	if err != nil {
		return err
	}
	defer obs.stop()
	if _, err := obs.wait(ctx, ready, b.opts.timeout, b.proc.alive); err != nil {
		return err
	}
	_, _, err = b.proc.settle(ctx, settleQuiet, b.opts.timeout)
	return err
}

// steady: N synced FittingJobs, 3 resync periods, nothing changes.
func (b *bench) steady(ctx context.Context) error {
	o := b.opts
	if err := b.ensureMain(ctx); err != nil {
		return err
	}
	if _, _, err := b.proc.settle(ctx, settleQuiet, o.timeout); err != nil {
		return err
	}
	obs, err := observe(ctx, b.admin, b.adminIhpa, b.mainNS, o.n)
	if err != nil {
		return err
	}
	defer obs.stop()
	w, err := b.begin(ctx, obs, true, false)
	if err != nil {
		return err
	}
	progress("steady: watching for %v (3 resync periods)", 3*o.resync)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(3 * o.resync):
	}
	st, err := w.end(ctx)
	if err != nil {
		return err
	}
	b.report.countRow("steady", fmt.Sprintf("writes seen by watches over 3 x %v (children + FittingJobs)", o.resync), total(st.events), 0)
	b.report.countRow("steady", "mutating requests, API server (configmaps, cronjobs, fittingjobs)", st.childAndStatusRequests(), 0)
	b.report.countRow("steady", "non-GET requests, controller's rest_client_requests_total", mutating(st.ctrl.requests), 0)
	b.report.infoRow("steady", "syncs in the window (resyncs happened: about 3 x N expected)", fmt.Sprintf("%g", total(st.ctrl.syncs)))
	b.report.note("%s", st.describe("steady", 0))
	return nil
}

// restart: stop the controller and start it again on N synced
// FittingJobs.
func (b *bench) restart(ctx context.Context) error {
	o := b.opts
	if err := b.ensureMain(ctx); err != nil {
		return err
	}
	ready := readyWithChildren()
	obs, err := observe(ctx, b.admin, b.adminIhpa, b.mainNS, o.n, ready)
	if err != nil {
		return err
	}
	defer obs.stop()
	if err := b.stopController(); err != nil {
		return err
	}
	w, err := b.begin(ctx, obs, true, true)
	if err != nil {
		return err
	}
	progress("restart: starting the controller on %d synced FittingJobs", o.n)
	if err := b.proc.start(); err != nil {
		return err
	}
	t0 := b.proc.started
	readyAt, err := b.proc.waitReady(ctx, o.timeout)
	if err != nil {
		return err
	}
	// Every FittingJob synced once (the informer's initial adds) and the
	// queue empty.
	var syncedAt time.Time
	for {
		m, err := b.proc.metrics(ctx)
		if err != nil {
			return err
		}
		c := readCounters(m)
		if total(c.syncs) >= float64(o.n) && c.queueDepth == 0 {
			syncedAt = time.Now()
			break
		}
		if time.Since(t0) > o.timeout {
			return fmt.Errorf("restart: %g syncs after %v", total(c.syncs), o.timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if _, _, err := b.proc.settle(ctx, settleQuiet, o.timeout); err != nil {
		return err
	}
	st, err := w.end(ctx)
	if err != nil {
		return err
	}
	b.report.infoRow("restart", "start -> /readyz (caches synced)", seconds(readyAt.Sub(t0)))
	b.report.infoRow("restart", fmt.Sprintf("start -> all %d synced once, queue empty", o.n), seconds(syncedAt.Sub(t0)))
	b.report.infoRow("restart", "FittingJobs Ready with both children (watch)", fmt.Sprintf("%d of %d", obs.countMet(ready), o.n))
	b.report.countRow("restart", "writes seen by watches (children + FittingJobs)", total(st.events), 0)
	b.report.countRow("restart", "mutating requests, API server (configmaps, cronjobs, fittingjobs)", st.childAndStatusRequests(), 0)
	b.report.countRow("restart", "non-GET requests, controller's rest_client_requests_total", mutating(st.ctrl.requests), 0)
	b.report.note("%s", st.describe("restart", 0))
	return nil
}

// memoryPeriods is how many resync periods the memory phase waits before
// sampling, and samples for.
const memoryPeriods = 3

// memorySample is the controller's RSS and Go heap in use.
type memorySample struct{ rss, heap, live float64 }

// sampleMemory samples the controller's memory k times over d and returns
// the median RSS, and the lowest heap in use and live heap. The heap
// breathes with every resync, and each collection overestimates what is
// live by what was allocated while it marked (a resync burst allocates
// fast): the lowest figure over several collections is the closest to the
// live set.
func (b *bench) sampleMemory(ctx context.Context, k int, d time.Duration) (memorySample, []memorySample, error) {
	var samples []memorySample
	for i := range k {
		if i > 0 {
			select {
			case <-ctx.Done():
				return memorySample{}, nil, ctx.Err()
			case <-time.After(d / time.Duration(k)):
			}
		}
		rss, err := b.proc.rssBytes()
		if err != nil {
			return memorySample{}, nil, err
		}
		m, err := b.proc.metrics(ctx)
		if err != nil {
			return memorySample{}, nil, err
		}
		samples = append(samples, memorySample{
			rss:  rss,
			heap: m.sum("go_memstats_heap_inuse_bytes", nil),
			// The heap goal is set from what the last collection found
			// live: goal = live * (1 + GOGC/100), GOGC=100 by default.
			live: m.sum("go_memstats_next_gc_bytes", nil) / 2,
		})
	}
	rss := make([]float64, len(samples))
	heap := make([]float64, len(samples))
	live := make([]float64, len(samples))
	for i, s := range samples {
		rss[i], heap[i], live[i] = s.rss, s.heap, s.live
	}
	sort.Float64s(heap)
	sort.Float64s(live)
	return memorySample{rss: median(rss), heap: heap[0], live: live[0]}, samples, nil
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func formatSamples(samples []memorySample) string {
	parts := make([]string, len(samples))
	for i, s := range samples {
		parts[i] = fmt.Sprintf("%.1f/%.1f/%.1f", s.rss/(1<<20), s.heap/(1<<20), s.live/(1<<20))
	}
	return strings.Join(parts, " ")
}

// memoryCase is one set of objects the memory phase adds in a namespace
// of its own.
type memoryCase struct {
	suffix string // of the namespace
	what   string // e.g. "10000 unrelated ConfigMaps"
	create func(ctx context.Context, namespace string) error
}

// memory: the controller's memory with N synced, then with many unrelated
// ConfigMaps in another namespace, then with many unrelated Jobs and Pods,
// each compared with the same baseline; then the positive controls.
func (b *bench) memory(ctx context.Context) error {
	o := b.opts
	if err := b.ensureMain(ctx); err != nil {
		return err
	}
	if _, _, err := b.proc.settle(ctx, settleQuiet, o.timeout); err != nil {
		return err
	}
	// A process just (re)started is still growing its heap towards its
	// steady state: give it a few resyncs first. Samples span several
	// resyncs, because the heap breathes with each of them.
	progress("memory: letting the controller reach its steady state for %v", memoryPeriods*o.resync)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(memoryPeriods * o.resync):
	}
	k := 10 * memoryPeriods
	progress("memory: sampling for %v", memoryPeriods*o.resync)
	before, beforeSamples, err := b.sampleMemory(ctx, k, memoryPeriods*o.resync)
	if err != nil {
		return err
	}
	r := b.report
	r.note("memory: RSS median, heap-in-use and live-heap minimum of %d samples over %v each; samples RSS/heap in use/live heap MiB before: %s", k, memoryPeriods*o.resync, formatSamples(beforeSamples))
	r.note("memory: spread (max/min - 1) within the before window, the resolution of these figures: RSS %.1f%%, heap in use %.1f%%, live heap %.1f%%",
		spread(beforeSamples, func(m memorySample) float64 { return m.rss }),
		spread(beforeSamples, func(m memorySample) float64 { return m.heap }),
		spread(beforeSamples, func(m memorySample) float64 { return m.live }))

	unrelated := []memoryCase{{"unrelated", fmt.Sprintf("%d unrelated ConfigMaps", o.unrelated), func(ctx context.Context, ns string) error {
		return b.createConfigMaps(ctx, ns, nil)
	}}}
	if o.unrelJobs > 0 || o.unrelPods > 0 {
		unrelated = append(unrelated, memoryCase{"unrelated-workloads", fmt.Sprintf("%d unrelated Jobs and %d Pods", o.unrelJobs, o.unrelPods), func(ctx context.Context, ns string) error {
			if err := b.createJobs(ctx, ns, o.unrelJobs); err != nil {
				return err
			}
			return b.createPods(ctx, ns, o.unrelPods, nil)
		}})
	}
	for _, c := range unrelated {
		after, afterSamples, st, err := b.measureMemory(ctx, c, k)
		if err != nil {
			return err
		}
		r.growthRow("memory", fmt.Sprintf("RSS, %d synced -> + %s", o.n, c.what), before.rss, after.rss, 5)
		r.growthRow("memory", "Go heap in use (lowest sample), same", before.heap, after.heap, 5)
		r.growthRow("memory", "Go live heap at last GC (next_gc/2, lowest sample), same", before.live, after.live, 5)
		r.note("memory, + %s: samples after: %s", c.what, formatSamples(afterSamples))
		r.note("%s", st.describe("memory/"+c.suffix, 0))
	}
	if !o.memoryControl {
		return nil
	}

	// The positive controls: objects that do carry the managed-by label
	// (but no owner, and no "-config" name, so they map to no FittingJob
	// and cause no write) are cached by design. Their growth shows what
	// the measurements above would have caught.
	labels := map[string]string{generator.ManagedByLabel: generator.ManagedByValue}
	controls := []memoryCase{{"labelled", fmt.Sprintf("%d ConfigMaps WITH the label", o.unrelated), func(ctx context.Context, ns string) error {
		return b.createConfigMaps(ctx, ns, labels)
	}}}
	if o.unrelPods > 0 {
		controls = append(controls, memoryCase{"labelled-pods", fmt.Sprintf("%d Pods WITH the label", o.unrelPods), func(ctx context.Context, ns string) error {
			return b.createPods(ctx, ns, o.unrelPods, labels)
		}})
	}
	for _, c := range controls {
		control, controlSamples, _, err := b.measureMemory(ctx, c, k)
		if err != nil {
			return err
		}
		r.infoRow("memory", fmt.Sprintf("control: + %s (cached by design): RSS, heap in use, live heap", c.what),
			fmt.Sprintf("%+.1f%%, %+.1f%%, %+.1f%%", growth(before.rss, control.rss), growth(before.heap, control.heap), growth(before.live, control.live)))
		r.note("memory control, + %s: samples RSS/heap in use/live heap MiB: %s", c.what, formatSamples(controlSamples))
	}
	return nil
}

// measureMemory creates c's objects in a namespace of their own, lets a
// resync pass, so that anything the controller would do about them has
// happened, samples the controller's memory k times, and deletes the
// namespace again, after the window closed.
func (b *bench) measureMemory(ctx context.Context, c memoryCase, k int) (memorySample, []memorySample, windowStats, error) {
	o := b.opts
	var st windowStats
	w, err := b.begin(ctx, nil, true, false)
	if err != nil {
		return memorySample{}, nil, st, err
	}
	ns := b.ns(c.suffix)
	progress("memory: creating %s in %s", c.what, ns)
	if err := createNamespace(ctx, b.admin, ns); err != nil {
		return memorySample{}, nil, st, err
	}
	if err := c.create(ctx, ns); err != nil {
		return memorySample{}, nil, st, fmt.Errorf("memory: %s: %w", c.what, err)
	}
	select {
	case <-ctx.Done():
		return memorySample{}, nil, st, ctx.Err()
	case <-time.After(o.resync + settleQuiet):
	}
	progress("memory: sampling with %s for %v", c.what, memoryPeriods*o.resync)
	s, samples, err := b.sampleMemory(ctx, k, memoryPeriods*o.resync)
	if err != nil {
		return memorySample{}, nil, st, err
	}
	if st, err = w.end(ctx); err != nil {
		return memorySample{}, nil, st, err
	}
	return s, samples, st, b.drop(ctx, ns)
}

func growth(before, after float64) float64 { return 100 * (after - before) / before }

// spread is how far apart the highest and lowest samples of one figure
// are, in percent of the lowest.
func spread(samples []memorySample, figure func(memorySample) float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	lo, hi := figure(samples[0]), figure(samples[0])
	for _, s := range samples[1:] {
		lo, hi = min(lo, figure(s)), max(hi, figure(s))
	}
	return growth(lo, hi)
}

// createConfigMaps creates the -unrelated ConfigMaps of -unrelated-bytes
// in namespace with labels.
func (b *bench) createConfigMaps(ctx context.Context, namespace string, labels map[string]string) error {
	o := b.opts
	err := parallel(ctx, o.unrelated, prepConcurrency, func(ctx context.Context, i int) error {
		cm := unrelatedConfigMap(namespace, i, o.unrelSize)
		cm.Labels = labels
		_, err := b.admin.CoreV1().ConfigMaps(namespace).Create(ctx, cm, metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("creating ConfigMaps: %w", err)
	}
	return countIs(ctx, "ConfigMaps", o.unrelated, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return b.admin.CoreV1().ConfigMaps(namespace).List(ctx, opts)
	})
}

// storm: change the spec of all N at once.
func (b *bench) storm(ctx context.Context) error {
	o := b.opts
	if err := b.ensureMain(ctx); err != nil {
		return err
	}
	ns := b.mainNS
	stamp := time.Now().Format("150405")
	change := func(image string) func(*ihpav1beta2.FittingJob) {
		return func(fj *ihpav1beta2.FittingJob) {
			fj.Spec.Image = image
			fj.Spec.CustomConfig = `{"image":"` + image + `"}`
		}
	}

	// The floor, on the same namespace with the controller stopped.
	if err := b.stopController(); err != nil {
		return err
	}
	floorImage := "registry.example.com/fittingjob:floor-" + stamp
	fjs, err := b.adminIhpa.IhpaV1beta2().FittingJobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	cmList, err := b.admin.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	cjList, err := b.admin.BatchV1().CronJobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	cms := map[string]*corev1.ConfigMap{}
	for i := range cmList.Items {
		cms[cmList.Items[i].Name] = &cmList.Items[i]
	}
	cjs := map[string]*batchv1.CronJob{}
	for i := range cjList.Items {
		cjs[cjList.Items[i].Name] = &cjList.Items[i]
	}
	reflect := childrenReflect(floorImage)
	obs, err := observe(ctx, b.admin, b.adminIhpa, ns, o.n, reflect)
	if err != nil {
		return err
	}
	w, err := b.begin(ctx, obs, false, false)
	if err != nil {
		return err
	}
	progress("storm floor: updating %d FittingJobs, each with its ConfigMap and CronJob", o.n)
	updated := make([]*ihpav1beta2.FittingJob, len(fjs.Items))
	t0 := time.Now()
	if err := b.floor.storm(ctx, b.creatorIhpa, fjs.Items, cms, cjs, change(floorImage), o.concurrency, updated); err != nil {
		return fmt.Errorf("storm floor: %w", err)
	}
	doneAt, err := obs.wait(ctx, reflect, o.timeout, nil)
	if err != nil {
		return fmt.Errorf("storm floor: %w", err)
	}
	floorTime := doneAt.Sub(t0)
	floorStats, err := w.end(ctx)
	if err != nil {
		return err
	}
	obs.stop()
	progress("storm floor: writing the statuses (untimed), so that the controller starts in sync")
	if err := b.floor.fixStatuses(ctx, updated); err != nil {
		return err
	}

	// The controller: started on the floor's result (nothing to do), then
	// the storm.
	if err := b.startController(ctx); err != nil {
		return err
	}
	image := "registry.example.com/fittingjob:ctrl-" + stamp
	reflect, ready := childrenReflect(image), readyWithImage(image)
	if obs, err = observe(ctx, b.admin, b.adminIhpa, ns, o.n, reflect, ready); err != nil {
		return err
	}
	defer obs.stop()
	if fjs, err = b.adminIhpa.IhpaV1beta2().FittingJobs(ns).List(ctx, metav1.ListOptions{}); err != nil {
		return err
	}
	if w, err = b.begin(ctx, obs, true, false); err != nil {
		return err
	}
	progress("storm: updating %d FittingJobs while the controller runs", o.n)
	t0 = time.Now()
	err = parallel(ctx, len(fjs.Items), o.concurrency, func(ctx context.Context, i int) error {
		fj := fjs.Items[i].DeepCopy()
		change(image)(fj)
		_, err := b.creatorIhpa.IhpaV1beta2().FittingJobs(ns).Update(ctx, fj, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	updatedAt := time.Now()
	reflectAt, err := obs.wait(ctx, reflect, o.timeout, b.proc.alive)
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	readyAt, err := obs.wait(ctx, ready, o.timeout, b.proc.alive)
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	_, lastWrite, err := b.proc.settle(ctx, settleQuiet, o.timeout)
	if err != nil {
		return err
	}
	st, err := w.end(ctx)
	if err != nil {
		return err
	}
	ctrlTime := reflectAt.Sub(t0)
	b.report.ratioRow("storm", fmt.Sprintf("first update -> all %d children reflect it", o.n), ctrlTime, floorTime, 1.1)
	b.report.infoRow("storm", "first update -> all Ready for the new generation (status written)", seconds(readyAt.Sub(t0)))
	b.report.infoRow("storm", "first update -> last update (users' client)", seconds(updatedAt.Sub(t0)))
	b.report.note("%s", floorStats.describe("storm/floor", floorTime))
	b.report.note("%s", st.describe("storm/controller", ctrlTime))
	b.report.note("%s", b.bucketNote("storm/floor", floorStats, floorTime))
	b.report.note("%s", b.bucketNote("storm/controller", st, busyUntil(lastWrite, readyAt).Sub(t0)))
	return nil
}
