package generator

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// cronJob is the desired CronJob, without its hash. fj is Desired's private,
// defaulted and valid copy: the CronJob may take its slices and pointers.
func cronJob(fj *ihpav1beta2.FittingJob) *batchv1.CronJob {
	spec := &fj.Spec
	return &batchv1.CronJob{
		ObjectMeta: childMeta(fj, CronJobName(fj)),
		Spec: batchv1.CronJobSpec{
			Schedule:                   Schedule(fj),
			TimeZone:                   spec.TimeZone,
			StartingDeadlineSeconds:    spec.StartingDeadlineSeconds,
			ConcurrencyPolicy:          spec.ConcurrencyPolicy,
			Suspend:                    spec.Suspend,
			SuccessfulJobsHistoryLimit: spec.SuccessfulJobsHistoryLimit,
			FailedJobsHistoryLimit:     spec.FailedJobsHistoryLimit,
			// The Jobs and Pods of every run carry RunLabels, whoever
			// starts the run (the schedule, kubectl create job --from, the
			// plugin): the controller follows them by these labels.
			JobTemplate: jobTemplate(fj, spec),
		},
	}
}

// WaitsForKueue reports whether job, a run's Job, is held for Kueue:
// suspended, with Kueue's queue label, as jobTemplate makes the Jobs of a
// FittingJob with a queue until Kueue admits them (or after Kueue took an
// admission back). A finished Job is not waiting whatever it says.
func WaitsForKueue(job *batchv1.Job) bool {
	return job.Labels[ihpav1beta2.KueueQueueLabel] != "" && job.Spec.Suspend != nil && *job.Spec.Suspend
}

// jobTemplate is the Job of every run. With a queue, the Job is created
// suspended and labelled with Kueue's queue label, so that Kueue, which
// unsuspends it once its ClusterQueue has room, decides when it starts:
// suspended by us rather than by Kueue's admission webhook, so that it
// also waits on clusters where that webhook is off.
func jobTemplate(fj *ihpav1beta2.FittingJob, spec *ihpav1beta2.FittingJobSpec) batchv1.JobTemplateSpec {
	template := batchv1.JobTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: RunLabels(fj)},
		Spec:       jobSpec(fj, spec),
	}
	if spec.QueueName != "" {
		template.Labels[ihpav1beta2.KueueQueueLabel] = spec.QueueName
		template.Spec.Suspend = new(true)
	}
	return template
}

// jobSpec is the Job-level part of the job patch plus the Pod.
func jobSpec(fj *ihpav1beta2.FittingJob, spec *ihpav1beta2.FittingJobSpec) batchv1.JobSpec {
	return batchv1.JobSpec{
		ActiveDeadlineSeconds: spec.ActiveDeadlineSeconds,
		BackoffLimit:          spec.BackoffLimit,
		Completions:           spec.Completions,
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: RunLabels(fj)},
			Spec: corev1.PodSpec{
				Affinity:           spec.Affinity,
				ImagePullSecrets:   spec.ImagePullSecrets,
				NodeSelector:       spec.NodeSelector,
				ServiceAccountName: spec.ServiceAccountName,
				SecurityContext:    spec.PodSecurityContext,
				Tolerations:        spec.Tolerations,
				RestartPolicy:      corev1.RestartPolicyOnFailure,
				InitContainers:     initContainers(spec),
				Volumes:            volumes(fj, spec),
				Containers:         []corev1.Container{container(spec)},
			},
		},
	}
}

// initContainers is the init container that completes config.json with
// the Datadog keys of keysFrom (keys.go), and nil without keysFrom, so
// that the Pods of every other FittingJob stay as they were.
func initContainers(spec *ihpav1beta2.FittingJobSpec) []corev1.Container {
	keys := keysFrom(spec)
	if len(keys) == 0 {
		return nil
	}
	return []corev1.Container{keysContainer(keys)}
}

// volumes are the user's volumes followed by the config volume: the
// ConfigMap, or, with keysFrom, the emptyDir that the init container
// fills and the ConfigMap it reads from.
func volumes(fj *ihpav1beta2.FittingJob, spec *ihpav1beta2.FittingJobSpec) []corev1.Volume {
	if len(keysFrom(spec)) > 0 {
		return append(spec.Volumes, keysVolumes(fj)...)
	}
	return append(spec.Volumes, configMapVolume(ConfigVolumeName, fj))
}

// configMapVolume is the volume name holding the config ConfigMap.
func configMapVolume(name string, fj *ihpav1beta2.FittingJob) corev1.Volume {
	return corev1.Volume{
		Name: name,
		VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: ConfigMapName(fj)},
			},
		},
	}
}

// container is the fitting container.
func container(spec *ihpav1beta2.FittingJobSpec) corev1.Container {
	return corev1.Container{
		Name:            ContainerName,
		Image:           spec.Image,
		Command:         spec.Command,
		Args:            spec.Args,
		EnvFrom:         envFrom(spec),
		Env:             spec.Env,
		Resources:       spec.Resources,
		VolumeMounts:    volumeMounts(spec.Volumes),
		ImagePullPolicy: spec.ImagePullPolicy,
		SecurityContext: spec.SecurityContext,
	}
}

// envFrom is the spec's envFrom followed by the Datadog keysFrom: the
// fitting container gets the keys in its environment too, as it always
// did, for images that read them there. It is nil when both are empty, as
// an API server would return it.
func envFrom(spec *ihpav1beta2.FittingJobSpec) []corev1.EnvFromSource {
	keys := keysFrom(spec)
	if len(keys) == 0 {
		return spec.EnvFrom
	}
	return append(spec.EnvFrom, keys...)
}

// volumeMounts mount each user volume at "/<name>", then the config volume
// at ConfigMountPath.
func volumeMounts(user []corev1.Volume) []corev1.VolumeMount {
	ms := make([]corev1.VolumeMount, 0, len(user)+1)
	for _, v := range user {
		ms = append(ms, corev1.VolumeMount{Name: v.Name, MountPath: "/" + v.Name})
	}
	return append(ms, corev1.VolumeMount{Name: ConfigVolumeName, MountPath: ConfigMountPath})
}
