package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// stopGrace is how long a process gets after its first signal before SIGKILL.
const stopGrace = 5 * time.Second

// proc is a started child whose exit is observable without blocking.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has been reaped
	err  error         // Wait's result; read only after done is closed
}

// spawn starts cmd. It must run on the main goroutine: Pdeathsig fires when
// the *thread* that forked the child exits, and only the main thread (locked
// in init) is guaranteed to live as long as the launcher does. With it the
// children die even if the launcher is SIGKILLed.
func spawn(name string, cmd *exec.Cmd) (*proc, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// doneChan is p.done, or nil (never ready in a select) when p was not started.
func (p *proc) doneChan() <-chan struct{} {
	if p == nil {
		return nil
	}
	return p.done
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig, escalates to SIGKILL after stopGrace, and waits until the
// process is reaped, so no port or data directory is still in use afterwards.
func (p *proc) stop(sig os.Signal) {
	if p == nil || p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		fmt.Fprintf(os.Stderr, "localcluster: %s still running %s after %v, sending SIGKILL\n", p.name, stopGrace, sig)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// exitCode maps the process's end to a shell-style exit status.
func (p *proc) exitCode() int {
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if p.err != nil {
		return 1
	}
	return 0
}

// tail returns the last n lines of a log file, for startup failure reports.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)\n", path, err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n"))) + "\n"
}
