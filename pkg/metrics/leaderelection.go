package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/tools/leaderelection"
)

// The leader election series under the names Kubernetes' own components
// export, so that existing alerts ("no leader") apply. client-go sets the
// status to 0 when an elector is created and to 1 while it leads, so each
// replica reports whether it is the leader.
var (
	leaderStatus = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "leader_election_master_status",
		Help: "1 while this replica holds the leader Lease of that name, 0 while it is a standby.",
	}, []string{"name"})
	leaderSlowpath = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "leader_election_slowpath_total",
		Help: "Lease renewals that had to read the Lease again (its cached copy was stale).",
	}, []string{"name"})
)

func init() {
	Registry.MustRegister(leaderStatus, leaderSlowpath)
	leaderelection.SetProvider(leaderProvider{})
}

type leaderProvider struct{}

func (leaderProvider) NewLeaderMetric() leaderelection.LeaderMetric { return leaderMetric{} }

type leaderMetric struct{}

func (leaderMetric) On(name string)                { leaderStatus.WithLabelValues(name).Set(1) }
func (leaderMetric) Off(name string)               { leaderStatus.WithLabelValues(name).Set(0) }
func (leaderMetric) SlowpathExercised(name string) { leaderSlowpath.WithLabelValues(name).Inc() }
