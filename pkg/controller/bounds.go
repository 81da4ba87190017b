package controller

import (
	"fmt"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
)

// Limits of the messages the controller writes. Much of what it writes
// quotes user input (a refused value, a termination message, the API
// server's error about the spec), and a status or event over the API's
// limit is refused, then refused again at every retry: a FittingJob whose
// error is long enough would never get a status written.
const (
	// maxConditionMessage is metav1.Condition's limit on message.
	maxConditionMessage = 32 * 1024
	// maxEventMessage is the events API's limit on an event's note; the
	// core/v1 events the recorder posts are kept to it too.
	maxEventMessage = 1024
	// maxRunMessage bounds a run's message: a termination message alone
	// may be 4 KiB, and the status is read by people.
	maxRunMessage = 1024
)

// truncatedMarker ends a message that was cut, so that a reader knows
// there was more.
const truncatedMarker = "… (truncated)"

// cut keeps s within limit bytes, on a rune boundary, ending it with
// truncatedMarker when anything was cut.
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	end := limit - len(truncatedMarker)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + truncatedMarker
}

// boundedRecorder cuts the message of every event to maxEventMessage, so
// that no event the controller records can be refused for its size.
type boundedRecorder struct {
	record.EventRecorder
}

func (r boundedRecorder) Event(object runtime.Object, eventtype, reason, message string) {
	r.EventRecorder.Event(object, eventtype, reason, cut(message, maxEventMessage))
}

func (r boundedRecorder) Eventf(object runtime.Object, eventtype, reason, messageFmt string, args ...any) {
	r.Event(object, eventtype, reason, fmt.Sprintf(messageFmt, args...))
}

func (r boundedRecorder) AnnotatedEventf(object runtime.Object, annotations map[string]string, eventtype, reason, messageFmt string, args ...any) {
	r.EventRecorder.AnnotatedEventf(object, annotations, eventtype, reason, "%s", cut(fmt.Sprintf(messageFmt, args...), maxEventMessage))
}
