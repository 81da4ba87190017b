package generator

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// The Datadog keys of provider.datadog.keysFrom.
//
// The fitting image reads its keys from config.json only, and config.json
// lives in a ConfigMap, where the keys must never be (nor in the
// FittingJob, nor anywhere the controller could read them: it has no
// access to Secrets). So, with keysFrom, the fitting Pod completes
// config.json itself: an init container, which receives keysFrom and no
// other environment, copies the ConfigMap's config.json onto an emptyDir
// in memory, with the keys filled in from its environment, and the fitting container mounts
// that emptyDir, instead of the ConfigMap, at ConfigMountPath. The keys
// thus exist only in the Secret, in the Pod's environment and in the
// Pod's own tmpfs, which goes with the Pod.
//
// The init step is a POSIX sh script that needs nothing but busybox
// (sh, sed, dd, tail): small, common, and a test runs the very command the
// CronJob carries (keys_test.go).
const (
	// KeysContainerName names the init container.
	KeysContainerName = "datadog-keys"
	// KeysImage runs the init container: busybox's shell and tools, by a
	// fully qualified name so that runtimes that refuse short names (CRI-O
	// in enforcing mode) pull it too.
	KeysImage = "docker.io/library/busybox:1.37"
	// APIKeyVariable and AppKeyVariable are the environment variables,
	// from keysFrom, that hold the keys: a Secret's keys DD_API_KEY and
	// DD_APP_KEY, or API_KEY and APP_KEY with the prefix "DD_".
	APIKeyVariable = "DD_API_KEY"
	AppKeyVariable = "DD_APP_KEY"
	// ConfigMapVolumeName is, with keysFrom, the ConfigMap's volume, which
	// only the init container mounts (at ConfigMapMountPath); the config
	// volume ConfigVolumeName is then the emptyDir. Users may not take
	// this name either.
	ConfigMapVolumeName = "fittingjob-configmap"
	ConfigMapMountPath  = "/" + ConfigMapVolumeName

	// keysUser runs the init container: nobody, not root, whatever the
	// image or the Pod say. It writes config.json readable by all (umask
	// 022), since the fitting container may run as any user; the emptyDir
	// belongs to this Pod alone.
	keysUser int64 = 65534
)

// keysScript completes config.json. It runs with the working directory
// "/" (keysContainer), so that its relative paths are the mounts: a test
// runs it as it is in a directory laid out like the container. It
// refuses, naming the variable, a key that is missing or empty, and one
// holding a control character (which JSON would need escaped, and which
// no Datadog key has: most likely the newline at the end of a file the
// Secret was made from); it escapes backslashes and double quotes, and
// writes everything else (UTF-8 included) as it is. It relies on the
// generator's config.json starting with the provider's blank keys
// (datadogConfig; checked, not assumed) and copies the rest byte for byte.
const keysScript = `set -eu
umask 022
in=fittingjob-configmap/config.json
out=fittingjob-config/config.json
blank='{"provider":{"datadog":{"apikey":"","appkey":""}},'
fail() { printf 'datadog-keys: %s\n' "$1" >&2; exit 1; }
quote() {
	case $2 in
	'') fail "$1 is not set or empty: provider.datadog.keysFrom must provide DD_API_KEY and DD_APP_KEY" ;;
	*[[:cntrl:]]*) fail "$1 contains a control character (a newline at the end of the file the Secret was made from?)" ;;
	esac
	printf '"%s"' "$(printf '%s\n' "$2" | sed 's/[\\"]/\\&/g')"
}
api=$(quote DD_API_KEY "${DD_API_KEY-}")
app=$(quote DD_APP_KEY "${DD_APP_KEY-}")
[ -f "$in" ] || fail "$in is missing"
[ "$(dd if="$in" bs=${#blank} count=1 2>/dev/null)" = "$blank" ] || fail "$in does not start with $blank"
{
	printf '{"provider":{"datadog":{"apikey":%s,"appkey":%s}},' "$api" "$app"
	tail -c +$((${#blank} + 1)) "$in"
} >"$out"
`

// keysConfigSizeLimit bounds the emptyDir (a tmpfs of that size): the
// ConfigMap's config.json (at most 1 MiB) plus the keys, escaped (at most
// twice the 1 MiB a Secret holds).
var keysConfigSizeLimit = resource.MustParse("4Mi")

// keysFrom is the FittingJob's provider.datadog.keysFrom, nil when there
// is none: then the Pod is as it always was.
func keysFrom(spec *ihpav1beta2.FittingJobSpec) []corev1.EnvFromSource {
	if spec.Provider.Datadog == nil {
		return nil
	}
	return spec.Provider.Datadog.KeysFrom
}

// keysContainer is the init container that completes config.json. Its
// security context is fixed and passes the Pod Security Standards'
// restricted profile whatever the FittingJob says; its resources are
// small and bounded, for namespaces whose quota needs limits.
func keysContainer(keys []corev1.EnvFromSource) corev1.Container {
	// A copy: the fitting container's envFrom holds the same sources, and
	// the two containers of a generated CronJob share no memory either.
	own := make([]corev1.EnvFromSource, len(keys))
	for i := range keys {
		keys[i].DeepCopyInto(&own[i])
	}
	return corev1.Container{
		Name:       KeysContainerName,
		Image:      KeysImage,
		Command:    []string{"sh", "-c", keysScript},
		WorkingDir: "/",
		EnvFrom:    own,
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("10m"),
				corev1.ResourceMemory: resource.MustParse("16Mi"),
			},
			Limits: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("100m"),
				corev1.ResourceMemory: resource.MustParse("32Mi"),
			},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: ConfigMapVolumeName, MountPath: ConfigMapMountPath, ReadOnly: true},
			{Name: ConfigVolumeName, MountPath: ConfigMountPath},
		},
		// Its refusal ("DD_API_KEY is not set…") becomes the Pod's
		// termination message, which the FittingJob's status quotes.
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext:          keysSecurityContext(),
	}
}

func keysSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		RunAsUser:                ptrTo(keysUser),
		RunAsGroup:               ptrTo(keysUser),
		RunAsNonRoot:             ptrTo(true),
		ReadOnlyRootFilesystem:   ptrTo(true),
		AllowPrivilegeEscalation: ptrTo(false),
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// keysVolumes are, with keysFrom, the config volume as an emptyDir in
// memory (the keys never touch a disk) and the ConfigMap's volume.
func keysVolumes(fj *ihpav1beta2.FittingJob) []corev1.Volume {
	limit := keysConfigSizeLimit.DeepCopy()
	return []corev1.Volume{
		{Name: ConfigVolumeName, VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &limit},
		}},
		configMapVolume(ConfigMapVolumeName, fj),
	}
}

func ptrTo[T any](v T) *T { return &v }
