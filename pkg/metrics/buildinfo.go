package metrics

import (
	"runtime"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/intelligent-hpa/fittingjob-controller/pkg/version"
)

// buildInfo is always 1; its labels say which build runs, so that a
// dashboard can tell replicas of different versions apart during a rollout.
var buildInfo = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
	Name: "fittingjob_controller_build_info",
	Help: "The controller's version (stamped at build time), the Go version that built it, and its platform; always 1.",
	ConstLabels: prometheus.Labels{
		"version":   version.Version,
		"goversion": runtime.Version(),
		"goos":      runtime.GOOS,
		"goarch":    runtime.GOARCH,
	},
}, func() float64 { return 1 })

func init() {
	Registry.MustRegister(buildInfo)
}
