// Command localcluster runs a throwaway control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, and kwok in place of kubelets;
// optionally Kueue) around one command:
//
//	localcluster [--dir DIR] [--bin BINDIR] [--fake-nodes N] [--kueue] [--apiserver-flag=--foo=bar ...] [--kcm-flag=...]
//	             [--scheduler-flag=...] [--kwok-flag=...] [--kueue-flag=...] run -- CMD ARGS...
//
// DIR (default <repo>/.cluster) is wiped at start and receives pki/, logs/,
// etcd/, kubeconfig (admin, O=system:masters) and controller.kubeconfig (the
// same credentials impersonating
// system:serviceaccount:fittingjob-system:fittingjob-controller, so a
// controller started with it is held to its shipped RBAC). BINDIR (default:
// the launcher's own directory) holds the binaries built by build.sh.
//
// Pods run: kube-scheduler binds them to N (default 1) fake Nodes
// kwok-node-0, kwok-node-1, ... that kwok manages with the Stages in
// kwok-stages.yaml (a Job's Pod ends Succeeded about 1 s after it is
// created; an image containing "fail", "never-pulls" or "hang" makes the
// fit fail, wait in ImagePullBackOff or run forever). CMD starts once every
// fake Node is Ready and schedulable. kwok also serves the kubelet API's
// container logs: every container's log is the file DIR/pod.log, in the CRI
// log format. --fake-nodes=0 starts neither kube-scheduler nor kwok, and
// Pods stay Pending.
//
// --kueue adds Kueue: its CRDs (BINDIR/kueue-crds, copied there by build.sh)
// are applied server-side with kubectl and waited for until Established,
// then Kueue runs with DIR/kubeconfig and DIR/kueue/config.yaml (no leader
// election, no internal certificate management, webhook server on a free
// loopback port with a certificate from our CA in DIR/kueue/certs, health
// probes on another, metrics off, the batch/job integration only; see
// writeKueueConfig) and --feature-gates=VisibilityOnDemand=false, and CMD
// starts once its /readyz answers. No admission webhook is registered, so a
// Job reaches Kueue by being created suspended with the label
// kueue.x-k8s.io/queue-name; Kueue unsuspends it when a ClusterQueue admits
// it, and leaves Jobs without the label alone.
//
// CMD runs in the foreground with KUBECONFIG=DIR/kubeconfig,
// LOCALCLUSTER_DIR=DIR, LOCALCLUSTER_PID=<launcher pid> and, with --kueue,
// LOCALCLUSTER_KUEUE=1. The launcher exits with CMD's exit status (128+n if
// CMD died of signal n). On exit, SIGINT or SIGTERM (forwarded to CMD first)
// it stops every process it started, by PID: SIGTERM, then SIGKILL after 5s. The children also get SIGKILL if the
// launcher itself is killed (Pdeathsig).
//
// Fault injection: `kill -USR1 $LOCALCLUSTER_PID` restarts kube-apiserver:
// SIGTERM, start again with the same flags and port, wait for /readyz. After
// each successful restart DIR/apiserver-restarts holds the number of restarts
// done so far, so a test can wait for it to change rather than race the old
// instance's /readyz. A restart takes about 5s plus startup: with watches
// open, kube-apiserver sits in its 60s graceful shutdown, so it gets SIGKILL
// after the usual 5s grace. SIGUSR1s received while one restart is still
// queued are merged into it.
//
// --apiserver-flag, --kcm-flag, --scheduler-flag, --kwok-flag and
// --kueue-flag may repeat; they are appended after the launcher's own flags,
// so for single-valued flags they win (e.g.
// --apiserver-flag=--max-requests-inflight=2000).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	serviceCIDR = "10.0.0.0/24"
	serviceIP   = "10.0.0.1" // the `kubernetes` Service gets the CIDR's first address
	// controllerUser is who controller.kubeconfig impersonates; it must match
	// the ServiceAccount in the shipped RBAC manifests.
	controllerUser = "system:serviceaccount:fittingjob-system:fittingjob-controller"
	// marker proves a directory was created by localcluster and is safe to wipe.
	marker = ".localcluster"
)

// Children are spawned only from the main goroutine, which this pins to the
// main thread; see spawn for why that matters to Pdeathsig.
func init() { runtime.LockOSThread() }

func main() { os.Exit(run()) }

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func run() int {
	// Subscribe before anything starts so an early signal is neither lost nor
	// fatal (SIGUSR1's default action would kill the launcher).
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)

	flags := flag.NewFlagSet("localcluster", flag.ContinueOnError)
	dir := flags.String("dir", filepath.Join(repoRoot(), ".cluster"), "cluster state directory, wiped at start")
	bin := flags.String("bin", exeDir(), "directory holding etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok and kueue")
	fakeNodes := flags.Int("fake-nodes", 1, "number of kwok Nodes; 0 runs neither kube-scheduler nor kwok")
	kueue := flags.Bool("kueue", false, "also run Kueue (its CRDs from BINDIR/"+kueueCRDs+"), and start CMD once it is ready")
	var apiserverFlags, kcmFlags, schedulerFlags, kwokFlags, kueueFlags listFlag
	flags.Var(&apiserverFlags, "apiserver-flag", "extra kube-apiserver flag (repeatable)")
	flags.Var(&kcmFlags, "kcm-flag", "extra kube-controller-manager flag (repeatable)")
	flags.Var(&schedulerFlags, "scheduler-flag", "extra kube-scheduler flag (repeatable)")
	flags.Var(&kwokFlags, "kwok-flag", "extra kwok flag (repeatable)")
	flags.Var(&kueueFlags, "kueue-flag", "extra Kueue flag (repeatable)")
	flags.Usage = func() {
		fmt.Fprintln(flags.Output(), "usage: localcluster [flags] run -- CMD [ARGS...]")
		flags.PrintDefaults()
	}
	if err := flags.Parse(os.Args[1:]); err != nil {
		return 2
	}
	args := flags.Args()
	if len(args) > 0 && args[0] == "run" {
		args = args[1:]
		if len(args) > 0 && args[0] == "--" {
			args = args[1:]
		}
	} else {
		args = nil
	}
	if len(args) == 0 || *fakeNodes < 0 {
		flags.Usage()
		return 2
	}

	// Fail a typo now, not after a control plane has been built for it.
	if _, err := exec.LookPath(args[0]); err != nil {
		fmt.Fprintf(os.Stderr, "localcluster: %v\n", err)
		return 127
	}
	if *kueue { // its CRDs are applied with kubectl
		if _, err := exec.LookPath("kubectl"); err != nil {
			fmt.Fprintf(os.Stderr, "localcluster: --kueue: %v\n", err)
			return 127
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	term := make(chan os.Signal, 1)
	restart := make(chan struct{}, 1)
	go func() {
		for s := range sigs {
			if s == syscall.SIGUSR1 {
				select {
				case restart <- struct{}{}:
				default: // one is already pending
				}
				continue
			}
			select {
			case term <- s:
			default:
			}
			cancel() // abort whatever startup or restart wait is in progress
		}
	}()

	c := &cluster{}
	defer c.down()
	started := time.Now()
	err := c.up(ctx, *dir, *bin, apiserverFlags, kcmFlags)
	if err == nil && *fakeNodes > 0 {
		err = c.startJobRunners(ctx, *fakeNodes, schedulerFlags, kwokFlags)
	}
	if err == nil && *kueue {
		err = c.startKueue(ctx, kueueFlags)
	}
	if err != nil {
		c.report(err)
		select {
		case s := <-term:
			return 128 + int(s.(syscall.Signal))
		default:
			return 1
		}
	}
	fmt.Fprintf(os.Stderr, "localcluster: control plane up at %s in %s (state in %s)\n",
		c.server, time.Since(started).Round(100*time.Millisecond), c.dir)

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), // later entries win over inherited ones
		"KUBECONFIG="+filepath.Join(c.dir, "kubeconfig"),
		"LOCALCLUSTER_DIR="+c.dir,
		"LOCALCLUSTER_PID="+strconv.Itoa(os.Getpid()))
	if *kueue {
		cmd.Env = append(cmd.Env, "LOCALCLUSTER_KUEUE=1")
	}
	// CMD stays in our process group, unlike the components, so it keeps the
	// terminal (stdin, ^C) like any foreground command.
	if c.cmd, err = spawn(args[0], cmd); err != nil {
		fmt.Fprintf(os.Stderr, "localcluster: %v\n", err)
		return 127
	}

	// Report, once each, components that die on their own; the run goes on
	// so CMD sees the failure the way a client of a real cluster would.
	etcdDone, apiDone, kcmDone := c.etcd.done, c.apiserver.done, c.kcm.done
	schedDone, kwokDone, kueueDone := c.scheduler.doneChan(), c.kwok.doneChan(), c.kueue.doneChan()
	for {
		select {
		case <-c.cmd.done:
			return c.cmd.exitCode()
		case s := <-term:
			c.cmd.stop(s)
			return c.cmd.exitCode()
		case <-restart:
			fmt.Fprintln(os.Stderr, "localcluster: SIGUSR1, restarting kube-apiserver")
			if err := c.restartAPIServer(ctx); err != nil {
				c.report(err)
				apiDone = nil
			} else {
				apiDone = c.apiserver.done
				fmt.Fprintln(os.Stderr, "localcluster: kube-apiserver ready again")
			}
		case <-etcdDone:
			c.report(&componentError{c.etcd.name, fmt.Errorf("exited unexpectedly: %v", c.etcd.err)})
			etcdDone = nil
		case <-apiDone:
			c.report(&componentError{c.apiserver.name, fmt.Errorf("exited unexpectedly: %v", c.apiserver.err)})
			apiDone = nil
		case <-kcmDone:
			c.report(&componentError{c.kcm.name, fmt.Errorf("exited unexpectedly: %v", c.kcm.err)})
			kcmDone = nil
		case <-schedDone:
			c.report(&componentError{c.scheduler.name, fmt.Errorf("exited unexpectedly: %v", c.scheduler.err)})
			schedDone = nil
		case <-kwokDone:
			c.report(&componentError{c.kwok.name, fmt.Errorf("exited unexpectedly: %v", c.kwok.err)})
			kwokDone = nil
		case <-kueueDone:
			c.report(&componentError{c.kueue.name, fmt.Errorf("exited unexpectedly: %v", c.kueue.err)})
			kueueDone = nil
		}
	}
}

// cluster is one run's control plane.
type cluster struct {
	dir, bin string
	server   string // https://127.0.0.1:<port>
	client   *http.Client
	pki      *pki

	etcd, apiserver, kcm, cmd *proc
	scheduler, kwok           *proc // nil with --fake-nodes=0
	kueue                     *proc // nil without --kueue
	apiserverArgs             []string
	restarts                  int
}

// componentError names the component whose log explains the failure.
type componentError struct {
	name string
	err  error
}

func (e *componentError) Error() string { return e.name + ": " + e.err.Error() }
func (e *componentError) Unwrap() error { return e.err }

func (c *cluster) report(err error) {
	fmt.Fprintf(os.Stderr, "localcluster: %v\n", err)
	var ce *componentError
	if errors.As(err, &ce) && !errors.Is(err, context.Canceled) {
		log := c.logPath(ce.name)
		fmt.Fprintf(os.Stderr, "--- last lines of %s ---\n%s---\n", log, tail(log, 40))
	}
}

func (c *cluster) logPath(name string) string { return filepath.Join(c.dir, "logs", name+".log") }

func (c *cluster) up(ctx context.Context, dir, bin string, apiserverFlags, kcmFlags []string) error {
	var err error
	if c.dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	if c.bin, err = filepath.Abs(bin); err != nil {
		return err
	}
	if err := prepareDir(c.dir); err != nil {
		return err
	}
	pkiDir := filepath.Join(c.dir, "pki")
	p, err := newPKI(pkiDir)
	if err != nil {
		return fmt.Errorf("generate certificates: %w", err)
	}
	if c.client, err = newClient(p); err != nil {
		return err
	}
	c.pki = p

	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	c.server = fmt.Sprintf("https://127.0.0.1:%d", ports[2])

	// Written first so they are usable for debugging even if startup fails.
	kubeconfig := filepath.Join(c.dir, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, c.server, p, ""); err != nil {
		return err
	}
	if err := writeKubeconfig(filepath.Join(c.dir, "controller.kubeconfig"), c.server, p, controllerUser); err != nil {
		return err
	}

	if c.etcd, err = c.start(ctx, "etcd",
		"--name=localcluster",
		"--data-dir="+filepath.Join(c.dir, "etcd"),
		"--listen-client-urls="+etcdURL,
		"--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL,
		// Explicit so a stray etcd on the default localhost:2380 cannot clash.
		"--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=localcluster="+peerURL,
		// The data is thrown away after the run; fsync only adds latency.
		"--unsafe-no-fsync",
	); err != nil {
		return err
	}
	if err := c.waitFor(ctx, c.etcd, 30*time.Second, "/health", c.ok(etcdURL+"/health")); err != nil {
		return err
	}

	c.apiserverArgs = append([]string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		// Advertise loopback rather than whatever host interface exists
		// (there may be none); Endpoints may not hold loopback IPs, so the
		// `kubernetes` Service's endpoints go unmanaged. kwok's Pods call no
		// Service anyway.
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--secure-port=" + strconv.Itoa(ports[2]),
		// Our CA signs the serving cert (instead of kube-apiserver
		// self-signing into --cert-dir) so ca.crt verifies it across restarts.
		"--cert-dir=" + pkiDir,
		"--tls-cert-file=" + p.servingCert,
		"--tls-private-key-file=" + p.servingKey,
		"--client-ca-file=" + p.caFile,
		// Without Node,RBAC every authenticated user may do anything, and the
		// controller's RBAC manifests would go untested.
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.saPub,
		"--service-account-signing-key-file=" + p.saKey,
		"--service-cluster-ip-range=" + serviceCIDR,
		// The fake Nodes' kubelet API (kwok's, for Pod logs) is at their
		// InternalIP; their Hostname resolves nowhere.
		"--kubelet-preferred-address-types=InternalIP",
	}, apiserverFlags...)
	if err := c.startAPIServer(ctx); err != nil {
		return err
	}
	// /readyz does not cover the system namespaces; tests expect `default`.
	if err := c.waitFor(ctx, c.apiserver, 60*time.Second, "namespace default", c.ok(c.server+"/api/v1/namespaces/default")); err != nil {
		return err
	}

	if c.kcm, err = c.start(ctx, "kube-controller-manager", append([]string{
		"--kubeconfig=" + kubeconfig,
		// serviceaccount creates each namespace's `default` ServiceAccount:
		// without it the ServiceAccount admission plugin rejects every Pod
		// (so Jobs could not create theirs), and its appearance is our sign
		// that kcm is working. clusterrole-aggregation folds aggregated
		// ClusterRoles (the FittingJob view/edit roles) into view, edit and
		// admin, as on every real cluster. resourcequota records each
		// quota's hard limits, without which admission enforces none.
		"--controllers=garbagecollector,cronjob,job,serviceaccount,serviceaccount-token,namespace,clusterrole-aggregation,resourcequota",
		"--service-account-private-key-file=" + p.saKey,
		"--root-ca-file=" + p.caFile,
		"--leader-elect=false",
		"--secure-port=0",
	}, kcmFlags...)...); err != nil {
		return err
	}
	return c.waitFor(ctx, c.kcm, 60*time.Second, "ServiceAccount default/default",
		c.ok(c.server+"/api/v1/namespaces/default/serviceaccounts/default"))
}

func (c *cluster) startAPIServer(ctx context.Context) error {
	var err error
	if c.apiserver, err = c.start(ctx, "kube-apiserver", c.apiserverArgs...); err != nil {
		return err
	}
	// 5-25 s on a 2-core machine; generous for a loaded one.
	return c.waitFor(ctx, c.apiserver, 120*time.Second, "/readyz", c.ok(c.server+"/readyz"))
}

func (c *cluster) restartAPIServer(ctx context.Context) error {
	c.apiserver.stop(syscall.SIGTERM)
	if err := c.startAPIServer(ctx); err != nil {
		return err
	}
	c.restarts++
	// Write-then-rename so a polling test never reads a partial number.
	f := filepath.Join(c.dir, "apiserver-restarts")
	if err := os.WriteFile(f+".tmp", []byte(strconv.Itoa(c.restarts)+"\n"), 0o644); err != nil {
		return err
	}
	return os.Rename(f+".tmp", f)
}

// down stops the components in reverse start order so none of them spends
// its grace period retrying a dependency that is already gone.
func (c *cluster) down() {
	for _, p := range []*proc{c.cmd, c.kueue, c.kwok, c.scheduler, c.kcm, c.apiserver, c.etcd} {
		p.stop(syscall.SIGTERM)
	}
}

// start launches a component from c.bin with its output appended to
// DIR/logs/NAME.log (appended, so a restart keeps the earlier log).
func (c *cluster) start(ctx context.Context, name string, args ...string) (*proc, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	log, err := os.OpenFile(c.logPath(name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer log.Close() // the child holds its own copy of the descriptor
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Stdout, cmd.Stderr = log, log
	// Own process group: a terminal ^C goes to CMD only, and the launcher
	// stops the components in order afterwards.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p, err := spawn(name, cmd)
	if err != nil {
		return nil, &componentError{name, err}
	}
	return p, nil
}

// waitFor polls ok until it holds, p exits, the timeout passes or ctx ends.
func (c *cluster) waitFor(ctx context.Context, p *proc, timeout time.Duration, what string, ok func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		select {
		case <-p.done:
			return &componentError{p.name, fmt.Errorf("exited while waiting for %s: %v", what, p.err)}
		case <-ctx.Done():
			return &componentError{p.name, fmt.Errorf("waiting for %s: %w", what, ctx.Err())}
		case <-tick.C:
		}
	}
	return nil
}

// ok returns a probe that is true when GET url answers 200.
func (c *cluster) ok(url string) func() bool {
	return func() bool {
		resp, err := c.client.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}

// newClient authenticates as admin and trusts only our CA. Its transport
// ignores HTTP(S)_PROXY, which must never apply to loopback probes.
func newClient(p *pki) (*http.Client, error) {
	cert, err := tls.X509KeyPair(p.adminCertPEM, p.adminKeyPEM)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(p.caPEM)
	return &http.Client{
		Timeout: 3 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs:      roots,
			Certificates: []tls.Certificate{cert},
		}},
	}, nil
}

// freePorts reserves n distinct loopback ports by holding all listeners open
// until every port is chosen. Another process could still grab one before
// the component binds it; that shows up as a startup failure, not a hang.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// prepareDir wipes dir and recreates its layout, but only if dir is absent,
// empty or marked as ours: a mistyped --dir must never delete real data.
func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, marker)); err != nil {
			return fmt.Errorf("refusing to wipe %s: not created by localcluster (no %s file)", dir, marker)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
	}
	// 0700: etcd insists on it for its data dir, and pki/ holds keys.
	for _, sub := range []string{"pki", "logs", "etcd"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, marker), nil, 0o644)
}

// repoRoot is the nearest ancestor of the working directory holding .git,
// or the working directory itself.
func repoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return wd
		}
	}
}

// exeDir is where build.sh put the launcher, and so the other binaries.
func exeDir() string {
	exe, err := os.Executable()
	if err != nil {
		return "."
	}
	if resolved, err := filepath.EvalSymlinks(exe); err == nil {
		exe = resolved
	}
	return filepath.Dir(exe)
}
