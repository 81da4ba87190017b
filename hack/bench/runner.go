package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// procState is the controller's state before a run's window. A floor
// runs with the controller stopped.
type procState int

const (
	stopped procState = iota
	running
)

// run is one measured window: the controller put in its state, an
// untimed prepare, then act and until timed, the FittingJobs of namespace
// observed converging to image.
type run struct {
	name             string // e.g. "cold/floor"
	namespace, image string
	controller       procState
	prepare, act     func(context.Context) error
	until            until
	drop             string // a namespace deleted after the window
}

// until ends a run's window.
type until func(ctx context.Context, b *bench, obs *observer) error

// converged: all N FittingJobs converged, as the observer's watches see it.
func converged(ctx context.Context, b *bench, obs *observer) error {
	return obs.wait(ctx, b.opts.timeout, b.alive)
}

func holdFor(d time.Duration) until {
	return func(ctx context.Context, _ *bench, _ *observer) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
			return nil
		}
	}
}

// syncedOnce: every FittingJob synced at least once since the controller
// started, and its queue empty.
func syncedOnce(ctx context.Context, b *bench, _ *observer) error {
	return poll(ctx, 500*time.Millisecond, b.opts.timeout, "all synced once", func(ctx context.Context) (bool, error) {
		c, err := b.proc.counters(ctx)
		return total(c.syncs) >= float64(b.opts.n) && c.queue == 0, err
	})
}

// snapshot is every counter a window is the difference of.
type snapshot struct {
	api       map[request]float64
	watch     map[string]float64
	converged int
	ctrl      counters
	use       usage
}

func (b *bench) snapshot(ctx context.Context, obs *observer) (s snapshot, err error) {
	if b.proc.running() {
		// The scrape first: its cost to the controller is not the run's.
		if s.ctrl, err = b.proc.counters(ctx); err == nil {
			s.use, err = b.proc.usage()
		}
	}
	var api scrape
	if err == nil {
		api, err = get(ctx, "the API server", func(ctx context.Context) (io.ReadCloser, error) {
			return b.admin.Discovery().RESTClient().Get().AbsPath("/metrics").SetHeader("Accept", "text/plain").Stream(ctx)
		})
	}
	s.api = apiMutations(api)
	s.watch, s.converged = obs.counts()
	return s, err
}

// result is what a run measured.
type result struct {
	took      time.Duration       // from act to until
	cpu       float64             // the controller's CPU seconds, same span
	benchCPU  float64             // the bench process's CPU seconds, same span
	rss       float64             // the controller's resident bytes at the end
	api       map[request]float64 // the API server's mutating requests
	watch     map[string]float64  // watch events in the namespace
	syncs     map[string]float64  // the controller's syncs by result
	gcs       float64             // the controller's garbage collections
	converged int                 // FittingJobs converged at the end
}

// ownCPU is the bench process's CPU seconds so far: the floor's clients,
// the users' and the observer's watches.
func ownCPU() (float64, error) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, err
	}
	return cpuSeconds(string(stat))
}

func (b *bench) setController(ctx context.Context, want procState) error {
	if want == stopped {
		return b.proc.stop()
	}
	if b.proc.running() {
		return nil
	}
	if err := b.proc.start(ctx); err != nil {
		return err
	}
	return b.proc.waitReady(ctx, b.opts.timeout)
}

// settle waits until a running controller is quiet.
func (b *bench) settle(ctx context.Context) error {
	if b.proc.running() {
		return b.proc.settle(ctx, b.opts.timeout)
	}
	return nil
}

func (b *bench) alive() error {
	if b.proc.running() {
		return b.proc.alive()
	}
	return nil
}

// do runs r. The controller's CPU is counted until until returns; then it
// settles, so that the events it posts afterwards are counted too.
func (b *bench) do(ctx context.Context, r run) (res result, err error) {
	progress("%s", r.name)
	if err := b.setController(ctx, r.controller); err != nil {
		return res, err
	}
	// Settled before prepare, which may read what the controller writes,
	// and after, which may give it work.
	steps := []func(context.Context) error{b.settle}
	if r.prepare != nil {
		steps = append(steps, r.prepare, b.settle)
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return res, err
		}
	}
	obs, err := b.observe(ctx, r.namespace, r.image)
	if err != nil {
		return res, err
	}
	defer obs.stop()
	begin, err := b.snapshot(ctx, obs)
	if err != nil {
		return res, err
	}
	benchCPU0, err := ownCPU()
	t0 := time.Now()
	if err == nil && r.act != nil {
		err = r.act(ctx)
	}
	if err == nil {
		err = r.until(ctx, b, obs)
	}
	res.took = time.Since(t0)
	if err == nil {
		var benchCPU float64
		benchCPU, err = ownCPU()
		res.benchCPU = benchCPU - benchCPU0
	}
	if err == nil && b.proc.running() {
		var use usage
		if use, err = b.proc.usage(); err == nil {
			err = b.settle(ctx)
		}
		res.cpu = use.cpu - begin.use.cpu
	}
	if err != nil {
		return res, err
	}
	end, err := b.snapshot(ctx, obs)
	res.rss, res.api, res.watch = end.use.rss, delta(begin.api, end.api), delta(begin.watch, end.watch)
	res.syncs, res.converged = delta(begin.ctrl.syncs, end.ctrl.syncs), end.converged
	res.gcs = end.ctrl.gcs - begin.ctrl.gcs
	ctrl := ""
	if b.proc.running() {
		ctrl = fmt.Sprintf("; controller CPU %.2fs, RSS %.1f MB, garbage collections %g, syncs: %s",
			res.cpu, res.rss/1e6, res.gcs, formatCounts(res.syncs))
	}
	b.report.note("%s: %s; API server mutating requests: %s; watch events: %s%s%s",
		r.name, seconds(res.took), formatCounts(res.api), formatCounts(res.watch), ctrl, b.bucketNote(res.api))
	if err == nil && r.drop != "" {
		obs.stop()
		err = b.drop(ctx, r.drop)
	}
	return res, err
}

// bucketNote is the least time the run's writes take through client-go's
// token buckets, when the clients are throttled: children go through the
// Kubernetes clientset, status through the FittingJob one, events through
// the event recorder's, each with a bucket of its own.
func (b *bench) bucketNote(api map[request]float64) string {
	if b.opts.qps <= 0 {
		return ""
	}
	by := map[string]float64{}
	for req, v := range api {
		by[map[string]string{"configmaps": "children", "cronjobs": "children", "fittingjobs/status": "status", "events": "events"}[req.resource]] += v
	}
	note := fmt.Sprintf("; token-bucket minimum at QPS %g burst %d:", b.opts.qps, b.opts.burst)
	for _, k := range []string{"children", "status", "events"} {
		note += fmt.Sprintf(" %s %g -> %s", k, by[k], seconds(bucketMinimum(by[k], b.opts.qps, b.opts.burst)))
	}
	return note
}

// phase is one measurement: its runs in order, then its rows from their
// results.
type phase struct {
	runs   []run
	report func(results []result)
}

func (b *bench) runPhase(ctx context.Context, p phase) error {
	results := make([]result, len(p.runs))
	for i, r := range p.runs {
		var err error
		if results[i], err = b.do(ctx, r); err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
	}
	p.report(results)
	return nil
}
