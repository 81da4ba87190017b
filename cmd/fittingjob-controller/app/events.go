package app

import (
	"context"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
)

// writeGate is open while this process may write to the API server: while
// its controller runs, which under leader election means while it leads.
// Once the Lease is lost another replica may lead already, and must be the
// only one writing.
type writeGate struct {
	open atomic.Bool
}

// whileRunning wraps run so that the gate is open exactly while run's
// context is live.
func (g *writeGate) whileRunning(run func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		g.open.Store(true)
		defer context.AfterFunc(ctx, func() { g.open.Store(false) })()
		defer g.open.Store(false)
		return run(ctx)
	}
}

// gatedEventSink posts events only while the gate is open. The recorder
// posts asynchronously, so an event recorded just before the Lease was lost
// may reach the sink after: it is dropped. The syncs' own writes stop with
// their context.
type gatedEventSink struct {
	record.EventSink
	gate   *writeGate
	logger klog.Logger
}

func (s gatedEventSink) Create(event *corev1.Event) (*corev1.Event, error) {
	if !s.gate.open.Load() {
		return s.drop(event)
	}
	return s.EventSink.Create(event)
}

func (s gatedEventSink) Update(event *corev1.Event) (*corev1.Event, error) {
	if !s.gate.open.Load() {
		return s.drop(event)
	}
	return s.EventSink.Update(event)
}

func (s gatedEventSink) Patch(event *corev1.Event, data []byte) (*corev1.Event, error) {
	if !s.gate.open.Load() {
		return s.drop(event)
	}
	return s.EventSink.Patch(event, data)
}

// drop reports success to the broadcaster, which would otherwise retry
// the event, or log it as refused by the API server.
func (s gatedEventSink) drop(event *corev1.Event) (*corev1.Event, error) {
	s.logger.V(2).Info("Dropped an event: this replica no longer writes", "reason", event.Reason, "object", event.InvolvedObject.Name)
	return event, nil
}
