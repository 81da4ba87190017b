// Package version is the version of the controller and the plugin, stamped
// at build time:
//
//	go build -ldflags "-X github.com/intelligent-hpa/fittingjob-controller/pkg/version.Version=v1.2.3"
//
// The Makefile and the Dockerfile stamp it from `git describe`; a plain
// `go build` leaves "dev".
package version

import (
	"fmt"
	"runtime"
)

// Version is set with -ldflags -X; it is a variable, not a constant, for
// that reason.
var Version = "dev"

// String is what --version prints: the version, the Go version that built
// the binary, and its platform.
func String(program string) string {
	return fmt.Sprintf("%s %s (%s, %s/%s)", program, Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
