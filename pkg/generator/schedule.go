package generator

import (
	"fmt"
	"hash/fnv"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// Schedule is the cron expression in force for fj.
func Schedule(fj *ihpav1beta2.FittingJob) string {
	if fj.Spec.Schedule != "" {
		return fj.Spec.Schedule
	}
	hour := ihpav1beta2.DefaultExecuteOn
	if fj.Spec.ExecuteOn != nil {
		hour = *fj.Spec.ExecuteOn
	}
	return fmt.Sprintf("%d %d * * *", spreadMinute(fj.Namespace, fj.Name), hour)
}

// spreadMinute spreads FittingJobs over the hour so that they do not all
// query the metric provider at once, like Jenkins' "H". It is a hash of the
// FittingJob's identity, not a random number: a re-rolled minute would
// rewrite the CronJob on every sync and could skip or double a day's run.
// Changing the hash moves every FittingJob's run, so it is pinned by a test.
func spreadMinute(namespace, name string) int {
	h := fnv.New32a()
	h.Write([]byte(namespace + "/" + name)) // never fails
	return int(h.Sum32() % 60)
}
