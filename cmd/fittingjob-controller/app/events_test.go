package app

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
)

// countingSink counts the events that reach it.
type countingSink struct{ creates, updates, patches int }

func (s *countingSink) Create(e *corev1.Event) (*corev1.Event, error) { s.creates++; return e, nil }
func (s *countingSink) Update(e *corev1.Event) (*corev1.Event, error) { s.updates++; return e, nil }
func (s *countingSink) Patch(e *corev1.Event, _ []byte) (*corev1.Event, error) {
	s.patches++
	return e, nil
}

func TestEventsReachTheAPIOnlyWhileRunning(t *testing.T) {
	var gate writeGate
	inner := &countingSink{}
	sink := gatedEventSink{EventSink: inner, gate: &gate, logger: klog.Background()}
	post := func() {
		event := &corev1.Event{Reason: "Test"}
		_, _ = sink.Create(event)
		_, _ = sink.Update(event)
		_, _ = sink.Patch(event, nil)
	}

	post() // before the controller runs: a standby
	ctx, cancel := context.WithCancel(context.Background())
	running, done := make(chan struct{}), make(chan struct{})
	go func() {
		_ = gate.whileRunning(func(ctx context.Context) error {
			close(running)
			<-ctx.Done()
			return nil
		})(ctx)
		close(done)
	}()
	<-running
	post() // while it runs
	cancel()
	<-done
	post() // once it has stopped

	if inner.creates != 1 || inner.updates != 1 || inner.patches != 1 {
		t.Errorf("events posted: %d creates, %d updates, %d patches; want 1 each (only while running)", inner.creates, inner.updates, inner.patches)
	}
}
