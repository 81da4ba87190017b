package v1beta2

// ControllerName is the FittingJob controller's name: its workqueue's (and
// so its metrics'), the source of its events, its leader Lease's default
// name, and the value of ManagedByLabel on what it makes.
const ControllerName = "fittingjob-controller"

// The labels and annotations the controller puts on what it makes.
const (
	// ManagedByLabel, with the value ManagedByValue, marks the children
	// and the Jobs and Pods of the runs, so that the controller's
	// informers watch only its own ConfigMaps, CronJobs, Jobs and Pods.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedByValue = ControllerName

	// FittingJobNameLabel names the FittingJob on the Jobs and Pods of its
	// runs (the CronJob's job template and Pod template carry it), so that
	// `kubectl logs -l ihpa.ake.cyberagent.co.jp/fittingjob=NAME` finds a
	// fit's Pods and the controller maps a Job or Pod to its FittingJob.
	FittingJobNameLabel = "ihpa.ake.cyberagent.co.jp/fittingjob"

	// SpecHashAnnotation records, on the CronJob, a hash of the spec the
	// generator made, so that a field the FittingJob no longer sets is
	// removed from the CronJob too (the comparison tolerates fields the
	// API server adds, so it cannot see a removal by itself).
	SpecHashAnnotation = "ihpa.ake.cyberagent.co.jp/spec-hash"

	// KueueQueueLabel names, on a run's Job, the Kueue LocalQueue that
	// admits it (spec.queueName): Kueue's own label.
	KueueQueueLabel = "kueue.x-k8s.io/queue-name"
)
