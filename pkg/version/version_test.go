package version

import (
	"runtime"
	"testing"
)

func TestString(t *testing.T) {
	saved := Version
	t.Cleanup(func() { Version = saved })
	Version = "v1.2.3"
	want := "fittingjob-controller v1.2.3 (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	if got := String("fittingjob-controller"); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
