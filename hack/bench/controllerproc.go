package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// controllerProc runs the real controller binary as a subprocess, as its
// own ServiceAccount (controller.kubeconfig), cluster-wide, with metrics
// and probes on private loopback ports.
type controllerProc struct {
	binary     string
	kubeconfig string
	logPath    string
	workers    int
	qps        float64
	burst      int
	resync     time.Duration

	cmd         *exec.Cmd
	done        chan error
	metricsAddr string
	probeAddr   string
	started     time.Time
	starts      int
}

// args is the controller's command line (without the binary) for ports.
func (p *controllerProc) args(metricsAddr, probeAddr string) []string {
	return []string{
		"--kubeconfig", p.kubeconfig,
		"--workers", strconv.Itoa(p.workers),
		"--kube-api-qps", strconv.FormatFloat(p.qps, 'g', -1, 64),
		"--kube-api-burst", strconv.Itoa(p.burst),
		"--resync-period", p.resync.String(),
		"--metrics-bind-address", metricsAddr,
		"--health-probe-bind-address", probeAddr,
	}
}

// commandLine is how the table's header shows the controller's invocation.
func (p *controllerProc) commandLine() string {
	return p.binary + " " + strings.Join(p.args("127.0.0.1:<port>", "127.0.0.1:<port>"), " ")
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// start launches the controller and returns at once; started is the
// instant just before exec.
func (p *controllerProc) start() error {
	if p.cmd != nil {
		return fmt.Errorf("controller already running")
	}
	var err error
	if p.metricsAddr, err = freePort(); err != nil {
		return err
	}
	if p.probeAddr, err = freePort(); err != nil {
		return err
	}
	log, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	p.starts++
	fmt.Fprintf(log, "\n===== bench: start #%d at %s =====\n", p.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.binary, p.args(p.metricsAddr, p.probeAddr)...)
	cmd.Stdout, cmd.Stderr = log, log
	// The controller must not outlive the benchmark.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("starting %s: %w", p.binary, err)
	}
	p.cmd = cmd
	p.done = make(chan error, 1)
	go func() {
		p.done <- cmd.Wait()
		log.Close()
	}()
	return nil
}

// stop sends SIGTERM and waits for the controller to drain and exit
// (SIGKILL after 30 s).
func (p *controllerProc) stop() error {
	if p.cmd == nil {
		return nil
	}
	defer func() { p.cmd = nil }()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			return fmt.Errorf("controller exited: %w (log: %s)", err, p.logPath)
		}
		return nil
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("controller did not stop within 30s; killed (log: %s)", p.logPath)
	}
}

// alive fails if the controller has exited on its own.
func (p *controllerProc) alive() error {
	if p.cmd == nil {
		return fmt.Errorf("controller not running")
	}
	select {
	case err := <-p.done:
		p.done <- err
		return fmt.Errorf("controller exited: %v (log: %s)", err, p.logPath)
	default:
		return nil
	}
}

func (p *controllerProc) metrics(ctx context.Context) (scrape, error) {
	if err := p.alive(); err != nil {
		return nil, err
	}
	return scrapeURL(ctx, "http://"+p.metricsAddr+"/metrics")
}

// ready reports whether /readyz answers 200 (informer caches synced).
func (p *controllerProc) ready(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.probeAddr+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// waitReady polls /readyz and returns when it answers 200.
func (p *controllerProc) waitReady(ctx context.Context, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := p.alive(); err != nil {
			return time.Time{}, err
		}
		if p.ready(ctx) {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return time.Time{}, fmt.Errorf("controller not ready after %v (log: %s)", timeout, p.logPath)
}

// rssBytes is the controller's VmRSS from /proc/PID/status.
func (p *controllerProc) rssBytes() (float64, error) {
	if p.cmd == nil {
		return 0, fmt.Errorf("controller not running")
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			fields := strings.Fields(rest)
			if len(fields) >= 1 {
				kb, err := strconv.ParseFloat(fields[0], 64)
				return kb * 1024, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", p.cmd.Process.Pid)
}

// controllerCounters is what the benchmark reads from the controller's
// own /metrics.
type controllerCounters struct {
	requests    map[string]float64 // rest_client_requests_total by "method code"
	syncs       map[string]float64 // fittingjob_controller_syncs_total by result
	childWrites map[string]float64 // by "kind verb"
	statusWrite float64
	queueDepth  float64
	queueAdds   float64
	retries     float64
	heapInuse   float64
}

func readCounters(s scrape) controllerCounters {
	queue := func(l map[string]string) bool { return l["name"] == "fittingjob-controller" }
	return controllerCounters{
		requests:    s.counts("rest_client_requests_total", []string{"method", "code"}, nil),
		syncs:       s.counts("fittingjob_controller_syncs_total", []string{"result"}, nil),
		childWrites: s.counts("fittingjob_controller_child_writes_total", []string{"kind", "verb"}, nil),
		statusWrite: s.sum("fittingjob_controller_status_writes_total", nil),
		queueDepth:  s.sum("workqueue_depth", queue),
		queueAdds:   s.sum("workqueue_adds_total", queue),
		retries:     s.sum("workqueue_retries_total", queue),
		heapInuse:   s.sum("go_memstats_heap_inuse_bytes", nil),
	}
}

// mutating is the number of non-GET requests in a "method code" map.
func mutating(requests map[string]float64) float64 {
	var n float64
	for k, v := range requests {
		if !strings.HasPrefix(k, "GET ") {
			n += v
		}
	}
	return n
}

// counterDelta is after minus before for every counter (gauges: after).
func counterDelta(before, after controllerCounters) controllerCounters {
	return controllerCounters{
		requests:    delta(before.requests, after.requests),
		syncs:       delta(before.syncs, after.syncs),
		childWrites: delta(before.childWrites, after.childWrites),
		statusWrite: after.statusWrite - before.statusWrite,
		queueDepth:  after.queueDepth,
		queueAdds:   after.queueAdds - before.queueAdds,
		retries:     after.retries - before.retries,
		heapInuse:   after.heapInuse,
	}
}

// settle waits until the controller's queue is empty and it has sent no
// request other than GET for quiet (the event recorder posts
// asynchronously), and returns its counters then, and when it was last
// seen sending one (zero if not since settle began).
func (p *controllerProc) settle(ctx context.Context, quiet, timeout time.Duration) (controllerCounters, time.Time, error) {
	deadline := time.Now().Add(timeout)
	var last controllerCounters
	var lastWrite, lastBusy time.Time
	for first := true; ; first = false {
		s, err := p.metrics(ctx)
		if err != nil {
			return last, lastWrite, err
		}
		c := readCounters(s)
		now := time.Now()
		wrote := !first && mutating(c.requests) != mutating(last.requests)
		if wrote {
			lastWrite = now
		}
		if first || wrote || c.queueDepth != 0 {
			lastBusy = now
		}
		last = c
		if now.Sub(lastBusy) >= quiet {
			return last, lastWrite, nil
		}
		if now.After(deadline) {
			return last, lastWrite, fmt.Errorf("controller did not settle within %v", timeout)
		}
		select {
		case <-ctx.Done():
			return last, lastWrite, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
