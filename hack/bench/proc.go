package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// controllerProc runs the real controller binary as a subprocess, as its
// ServiceAccount (controller.kubeconfig), cluster-wide, with metrics and
// probes on private loopback ports. The metrics are plain HTTP
// (--metrics-secure=false): the bench reads them on loopback, and the
// TokenReviews and SubjectAccessReviews of authenticated scrapes would be
// API requests of the controller's own in the windows it measures.
type controllerProc struct {
	binary, logPath string
	args            []string // without the ports

	cmd                    *exec.Cmd
	done                   chan error
	metricsAddr, probeAddr string
	starts                 int
}

func newControllerProc(binary, kubeconfig, logPath string, o options) *controllerProc {
	return &controllerProc{binary: binary, logPath: logPath, args: []string{
		"--kubeconfig", kubeconfig,
		"--workers", strconv.Itoa(o.workers),
		"--kube-api-qps", strconv.FormatFloat(o.qps, 'g', -1, 64),
		"--kube-api-burst", strconv.Itoa(o.burst),
		"--resync-period", o.resync.String(),
		"--metrics-secure=false",
	}}
}

func (p *controllerProc) commandLine() string {
	return p.binary + " " + strings.Join(p.args, " ") + " --metrics-bind-address 127.0.0.1:<port> --health-probe-bind-address 127.0.0.1:<port>"
}

// freePorts are two loopback addresses free a moment ago.
func freePorts() (a, b string, err error) {
	for _, addr := range []*string{&a, &b} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", "", err
		}
		defer l.Close()
		*addr = l.Addr().String()
	}
	return a, b, nil
}

func (p *controllerProc) running() bool { return p.cmd != nil }

// start execs the controller and returns at once.
func (p *controllerProc) start(context.Context) error {
	if p.running() {
		return fmt.Errorf("controller already running")
	}
	var err error
	if p.metricsAddr, p.probeAddr, err = freePorts(); err != nil {
		return err
	}
	log, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	p.starts++
	fmt.Fprintf(log, "\n===== bench: start #%d at %s =====\n", p.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.binary, append(p.args, "--metrics-bind-address", p.metricsAddr, "--health-probe-bind-address", p.probeAddr)...)
	cmd.Stdout, cmd.Stderr = log, log
	// The controller must not outlive the bench.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("starting %s: %w", p.binary, err)
	}
	p.cmd, p.done = cmd, make(chan error, 1)
	go func() {
		p.done <- cmd.Wait()
		log.Close()
	}()
	return nil
}

// stop sends SIGTERM and waits for the controller to drain and exit
// (SIGKILL after 30 s).
func (p *controllerProc) stop() error {
	if !p.running() {
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
	if !p.running() {
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

func (p *controllerProc) counters(ctx context.Context) (counters, error) {
	if err := p.alive(); err != nil {
		return counters{}, err
	}
	s, err := get(ctx, "the controller", func(ctx context.Context) (io.ReadCloser, error) {
		return httpGet(ctx, "http://"+p.metricsAddr+"/metrics")
	})
	return readCounters(s), err
}

// waitReady polls /readyz (caches synced) until it answers 200.
func (p *controllerProc) waitReady(ctx context.Context, timeout time.Duration) error {
	return poll(ctx, 20*time.Millisecond, timeout, "controller /readyz", func(ctx context.Context) (bool, error) {
		if err := p.alive(); err != nil {
			return false, err
		}
		body, err := httpGet(ctx, "http://"+p.probeAddr+"/readyz")
		if err == nil {
			body.Close()
		}
		return err == nil, nil
	})
}

// usage is the controller's CPU seconds so far and its resident memory.
type usage struct{ cpu, rss float64 }

func (p *controllerProc) usage() (usage, error) {
	if !p.running() {
		return usage{}, fmt.Errorf("controller not running")
	}
	var u usage
	dir := fmt.Sprintf("/proc/%d/", p.cmd.Process.Pid)
	stat, err := os.ReadFile(dir + "stat")
	if err == nil {
		u.cpu, err = cpuSeconds(string(stat))
	}
	status, err2 := os.ReadFile(dir + "status")
	if err2 == nil {
		u.rss, err2 = statusBytes(string(status), "VmRSS")
	}
	return u, errors.Join(err, err2)
}

// settleQuiet is how long the controller must send no request but GETs,
// with an empty queue, to count as settled: its events are posted
// asynchronously, after the write they report.
const settleQuiet = 3 * time.Second

// settle waits until the controller is quiet. It scrapes once a second:
// each scrape costs the controller CPU that the windows count.
func (p *controllerProc) settle(ctx context.Context, timeout time.Duration) error {
	var last counters
	var lastBusy time.Time
	return poll(ctx, time.Second, timeout, "controller settling", func(ctx context.Context) (bool, error) {
		c, err := p.counters(ctx)
		if err != nil {
			return false, err
		}
		if lastBusy.IsZero() || c.mutating != last.mutating || c.queue != 0 {
			lastBusy = time.Now()
		}
		last = c
		return time.Since(lastBusy) >= settleQuiet, nil
	})
}

// poll calls cond every interval until it is true or fails, or timeout.
func poll(ctx context.Context, interval, timeout time.Duration, what string, cond func(context.Context) (bool, error)) error {
	if err := wait.PollUntilContextTimeout(ctx, interval, timeout, true, cond); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
