package v1beta2

import (
	"math"
	"time"
)

// The limits and forms of the FittingJob API that admission enforces with
// the CRD's schema (the markers in types.go, which must say the same:
// TestLimitsMatchTheCRD checks) and that the controller re-checks
// (pkg/generator), for a CRD installed without its schema. Each refuses
// only input that the controller, the CronJob API or the Kubernetes
// controllers cannot act on. The messages follow the field path in both
// places.
const (
	// MaxScheduleLength bounds spec.schedule. The longest expression
	// without repetition lists every value of every field, with leading
	// zeros and month and day names (00,01,…,59 00,…,23 01,…,31
	// JAN,…,DEC SUN,…,SAT): 420 characters.
	MaxScheduleLength = 512
	// ScheduleForm is what spec.schedule may be: five fields separated by
	// spaces or tabs, of the characters robfig/cron's standard parser (the
	// one of the CronJob API and of the controller) takes in a field, or
	// one of its fixed macros. Spaces and tabs, as in a crontab, worked
	// before and still do; other blanks (newlines, unicode spaces) are
	// refused. "@every <duration>" is left out: the CRD never admitted it,
	// and nothing asks for it.
	ScheduleForm        = `^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|[0-9A-Za-z*?/,+-]+([ \t]+[0-9A-Za-z*?/,+-]+){4})$`
	ScheduleFormMessage = "must be five cron fields separated by spaces or tabs, each made of digits, month or day names and * ? / , - (such as 30 3 * * 1-5), or one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"
	// ScheduleTimeZoneMessage refuses a schedule containing "TZ", as the
	// CronJob API does: a TZ= or CRON_TZ= prefix. robfig/cron panics on
	// such a prefix with no space after it, and the controller parses the
	// schedule of a FittingJob whose CronJob was refused.
	ScheduleTimeZoneMessage = "must not contain TZ: a time zone (TZ= or CRON_TZ=) belongs in spec.timeZone"

	// MaxTimeZoneLength bounds spec.timeZone: the longest name of the tz
	// database, America/Argentina/ComodRivadavia, has 32 characters.
	MaxTimeZoneLength = 64
	// TimeZoneForm is the form of a tz database name, as the CronJob API
	// checks it: parts of at most 14 characters, not starting with "-",
	// separated by "/". The API also takes "." in a part, which no zone
	// name has.
	TimeZoneForm         = `^[A-Za-z0-9_+][A-Za-z0-9_+-]{0,13}(/[A-Za-z0-9_+][A-Za-z0-9_+-]{0,13})*$`
	TimeZoneFormMessage  = "must be a time zone name of the tz database, such as Asia/Tokyo or Etc/GMT+9: parts of letters, digits, _ + and - (at most 14 characters each, not starting with -) separated by /"
	TimeZoneLocalMessage = "must name a time zone: the CronJob API refuses Local, the zone of whichever kube-controller-manager runs"

	// MaxDurationSeconds bounds activeDeadlineSeconds and
	// startingDeadlineSeconds (about 292 years): the Job and CronJob
	// controllers multiply them into a time.Duration, which wraps around
	// beyond it (a deadline in the past, or a few seconds away). A CEL
	// rule rather than a maximum, whose message would print it as a float.
	MaxDurationSeconds                = math.MaxInt64 / int64(time.Second)
	ActiveDeadlineSecondsMaxMessage   = "must be at most 9223372036 seconds (about 292 years): the Job controller makes a time.Duration of it, which cannot hold more"
	StartingDeadlineSecondsMaxMessage = "must be at most 9223372036 seconds (about 292 years): the CronJob controller makes a time.Duration of it, which cannot hold more"

	// MaxMetricNameLength bounds spec.metric.name: Datadog refuses metric
	// names longer than 200 characters and Prometheus names are
	// identifiers; 1024 leaves room for an aggregator prefix and keeps the
	// Metric column and config.json of reasonable size.
	MaxMetricNameLength = 1024

	// DNSSubdomainForm is a lowercase RFC 1123 subdomain, the form of
	// ConfigMap and ServiceAccount names (at most MaxDNSSubdomainLength).
	// "[.]" rather than an escaped dot, so that it reads the same in Go
	// and in a CEL string.
	DNSSubdomainForm      = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	MaxDNSSubdomainLength = 253

	DataConfigMapNameMessage = "must be a ConfigMap name: a lowercase RFC 1123 subdomain (lowercase letters, digits, - and ., starting and ending with a letter or digit) of at most 253 characters"
	// DataConfigMapOwnMessage: the fitting container would write the
	// forecast into the config ConfigMap, and the controller put
	// config.json back at its next sync, dropping it.
	DataConfigMapOwnMessage = "must differ from <metadata.name>-config, the FittingJob's own config ConfigMap, which the controller rewrites at every sync (dropping each forecast)"
	// ConfigVolumeMessage and ConfigMapVolumeMessage refuse a volume named
	// as one of the controller's: fittingjob-config, the config volume,
	// and fittingjob-configmap, the config ConfigMap's volume when the
	// fitting Pod completes config.json with the Datadog keys of keysFrom.
	// The second is reserved whatever the provider, so that choosing
	// keysFrom never makes a FittingJob's volumes invalid.
	ConfigVolumeMessage       = "the volume name fittingjob-config is reserved for the controller's config volume"
	ConfigMapVolumeMessage    = "the volume name fittingjob-configmap is reserved for the controller's volume of the config ConfigMap"
	ServiceAccountNameMessage = "must be a ServiceAccount name: a lowercase RFC 1123 subdomain (lowercase letters, digits, - and ., starting and ending with a letter or digit) of at most 253 characters"

	// DNSLabelForm is a lowercase RFC 1123 label (at most
	// MaxDNSLabelLength): spec.queueName, which names a Kueue LocalQueue
	// and is the value of KueueQueueLabel on every run's Job, so it must
	// be a valid label value too.
	DNSLabelForm      = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	MaxDNSLabelLength = 63
	QueueNameMessage  = "must be a LocalQueue name usable as a label value: a lowercase RFC 1123 label (lowercase letters, digits and -, starting and ending with a letter or digit) of at most 63 characters"
)
