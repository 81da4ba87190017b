package fuzzer

import (
	"math"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ihpav1beta2 "github.com/intelligent-hpa/fittingjob-controller/pkg/apis/ihpa/v1beta2"
)

// Admissible is the class of the FittingJobs Case builds as FittingJob
// does.
const Admissible = "admissible"

// Want is what the API server should make of a FittingJob that Case built,
// and so what the generator's validation, which stands in for admission
// where the CRD has no schema, should make of it.
type Want struct {
	// Class names the kind of input: Admissible or one of Classes.
	Class string
	// Refused is the field admission refuses the FittingJob for and names
	// in its message, as the generator's validation does
	// ("spec.schedule"); empty when the CRD admits it.
	Refused string
	// CronJobRefused is, for an admitted FittingJob, the field the API
	// server names when it refuses its CronJob: what only the CronJob API
	// can check (that a well-formed time zone exists, that the values of a
	// well-formed schedule are in range). The controller reports it as
	// CronJobRejected. Empty when both children pass.
	CronJobRefused string
}

// Case builds a FittingJob in namespace from data, and says what
// admission should make of it. Half of the inputs give an admissible
// FittingJob, as FittingJob does; the other half one of Classes: an
// admissible FittingJob with one thing made hostile (or, for the last two
// classes, pushed to the limits that are still admitted).
func Case(namespace string, data []byte) (*ihpav1beta2.FittingJob, Want) {
	c := &consumer{data: data}
	choice := c.intn(2 * len(classes))
	// The class's own choices come first, so that they vary even when the
	// FittingJob uses up the input.
	params := &consumer{data: c.take(24)}
	fj := admissible(namespace, c)
	if choice >= len(classes) {
		return fj, Want{Class: Admissible}
	}
	want := classes[choice].apply(params, fj)
	want.Class = classes[choice].name
	return fj, want
}

// Classes are the names of the hostile classes of Case.
func Classes() []string {
	names := make([]string, len(classes))
	for i, c := range classes {
		names[i] = c.name
	}
	return names
}

type class struct {
	name  string
	apply func(c *consumer, fj *ihpav1beta2.FittingJob) Want
}

// classes are the hostile inputs. Each says which field admission refuses
// (and must name), or that the FittingJob is admitted.
var classes = []class{
	{"schedule separated by blanks other than spaces and tabs", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fields := c.cronFields()
		blank := c.pick("\n", "\r", "\r\n", "\f", "\v", "\u00a0", "\u0085", "\u2003", "\u3000")
		switch c.intn(3) {
		case 0:
			i := 1 + c.intn(4)
			fj.Spec.Schedule = strings.Join(fields[:i], " ") + blank + strings.Join(fields[i:], " ")
		case 1:
			fj.Spec.Schedule = strings.Join(fields, blank)
		default:
			if c.bool() {
				fj.Spec.Schedule = blank + strings.Join(fields, " ")
			} else {
				fj.Spec.Schedule = strings.Join(fields, " ") + blank
			}
		}
		return Want{Refused: "spec.schedule"}
	}},
	// robfig/cron panics on a TZ= or CRON_TZ= prefix with no space after
	// it ("TZ=UTC\t0\t4\t*\t*", "CRON_TZ=UTC").
	{"schedule with a TZ= or CRON_TZ= prefix", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		prefix := c.pick("TZ=", "CRON_TZ=") + c.pick("UTC", "Asia/Tokyo", "Local", "", "Mars/Olympus_Mons")
		if c.intn(4) == 0 {
			fj.Spec.Schedule = prefix
		} else {
			fj.Spec.Schedule = prefix + c.pick(" ", "\t", "\n") + strings.Join(c.cronFields(), c.pick(" ", "\t"))
		}
		if c.bool() {
			fj.Spec.TimeZone = nil
		}
		return Want{Refused: "spec.schedule"}
	}},
	{"schedule with a character cron does not take", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fields := c.cronFields()
		bad := c.pick("０", "＊", "٣", "é", "日", "=", "#", "%", ".", ":", ";", `"`, `\`, "\x00", "\x1b", "\x7f", "\u200b", "\u202e", "😀")
		i := c.intn(len(fields))
		at := c.intn(len(fields[i]) + 1)
		fields[i] = fields[i][:at] + bad + fields[i][at:]
		fj.Spec.Schedule = strings.Join(fields, " ")
		return Want{Refused: "spec.schedule"}
	}},
	{"schedule longer than 512 characters", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		n := ihpav1beta2.MaxScheduleLength + 1 + c.intn(64<<10)
		if c.bool() {
			// What cron would take, repeating the minute.
			fj.Spec.Schedule = "0" + strings.Repeat(",0", (n-9)/2) + " 4 * * *"
		} else {
			fj.Spec.Schedule = strings.Repeat(c.pick("*", "0 ", "日", "\t"), n)
		}
		return Want{Refused: "spec.schedule"}
	}},
	{"schedule macro outside the fixed ones", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fj.Spec.Schedule = c.pick("@every 1h", "@every 30s", "@every 1h30m", "@every", "@reboot", "@Daily", "@daily ", "@ daily", "@")
		return Want{Refused: "spec.schedule"}
	}},
	{"schedule of other than five fields", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fields := append(c.cronFields(), c.cronFields()...)
		fj.Spec.Schedule = strings.Join(fields[:int(c.pick64(1, 2, 3, 4, 6, 7, 10))], " ")
		return Want{Refused: "spec.schedule"}
	}},
	{"schedule well formed but out of range", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fj.Spec.Schedule = c.pick("60 4 * * *", "0 24 * * *", "0 4 32 * *", "0 4 0 * *", "0 4 * 13 *", "0 4 * * 8",
			"0 4 * * MOO", "5-1 * * * *", "*/0 * * * *", "0 4 * * 1-2-3", "0 4 * * */", "+ 4 * * *", "99999999999999999999 4 * * *")
		return Want{CronJobRefused: "spec.schedule"}
	}},
	{"timeZone that is no zone name", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		tz := c.pick("Local", "local", "LOCAL", "", " UTC", "Asia/Tokyo ", "Asia/Tokyo\n", "UTC\t", "../etc/passwd", "..", ".",
			"Asia//Tokyo", "/UTC", "UTC/", "-UTC", "Etc/-GMT", "A.B", "Asia/Tōkyō", "日本", "America/Argentina/ComodoRivadavia", "long")
		if tz == "long" {
			tz = strings.Repeat("Abcdefghijklm/", 5+c.intn(300)) + "Z"
		}
		fj.Spec.TimeZone = &tz
		return Want{Refused: "spec.timeZone"}
	}},
	{"timeZone well formed but unknown", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fj.Spec.TimeZone = ptr(c.pick("Mars/Olympus_Mons", "Asia/Tokio", "Etc/GMT+15", "Europe/Atlantis", "UTC+9", "Abcdefghijklmn"))
		return Want{CronJobRefused: "spec.timeZone"}
	}},
	{"dataConfigMap the FittingJob's own config ConfigMap", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: fj.Name + "-config"}
		return Want{Refused: "spec.dataConfigMap.name"}
	}},
	{"dataConfigMap name that is no ConfigMap name", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fj.Spec.DataConfigMap = &corev1.LocalObjectReference{Name: c.notSubdomain()}
		return Want{Refused: "spec.dataConfigMap.name"}
	}},
	{"serviceAccountName that is no ServiceAccount name", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fj.Spec.ServiceAccountName = c.notSubdomain()
		return Want{Refused: "spec.serviceAccountName"}
	}},
	{"queueName that is no label value", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fj.Spec.QueueName = c.notSubdomain()
		return Want{Refused: "spec.queueName"}
	}},
	{"deadline beyond what a time.Duration holds", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		v := c.pick64(ihpav1beta2.MaxDurationSeconds+1, ihpav1beta2.MaxDurationSeconds+1+int64(c.intn(1<<16)), 1<<40, math.MaxInt64)
		if c.bool() {
			fj.Spec.ActiveDeadlineSeconds = &v
			return Want{Refused: "spec.activeDeadlineSeconds"}
		}
		fj.Spec.StartingDeadlineSeconds = &v
		return Want{Refused: "spec.startingDeadlineSeconds"}
	}},
	{"integer out of its range", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		i := outOfRange[c.intn(len(outOfRange))]
		i.set(fj, c.pick64(i.values...))
		return Want{Refused: i.path}
	}},
	{"metric name longer than 1024 characters", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fj.Spec.Metric.Name = strings.Repeat(c.pick("m", "é", "日"), ihpav1beta2.MaxMetricNameLength+1+c.intn(64<<10))
		return Want{Refused: "spec.metric.name"}
	}},
	{"name longer than 52 characters", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		fj.Name = c.dnsLabel(53, 63)
		return Want{Refused: "metadata.name"}
	}},
	{"every count and length at its admitted limit", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		spec := &fj.Spec
		fj.Name = c.dnsLabel(52, 52)
		spec.Schedule = "0" + strings.Repeat(",0", (ihpav1beta2.MaxScheduleLength-9)/2) + " 4 * * *"
		if len(spec.Schedule) < ihpav1beta2.MaxScheduleLength {
			spec.Schedule = "0" + spec.Schedule
		}
		spec.TimeZone = ptr(c.pick("America/Argentina/ComodRivadavia", "Etc/GMT+12", "Etc/GMT-14", "America/Port-au-Prince"))
		spec.Metric.Name = strings.Repeat(c.pick("m", "é", "日"), ihpav1beta2.MaxMetricNameLength)
		spec.DataConfigMap = &corev1.LocalObjectReference{Name: subdomainOfLength(ihpav1beta2.MaxDNSSubdomainLength)}
		spec.ServiceAccountName = subdomainOfLength(ihpav1beta2.MaxDNSSubdomainLength)
		spec.QueueName = strings.Repeat("q", ihpav1beta2.MaxDNSLabelLength)
		spec.ActiveDeadlineSeconds = ptr(c.pick64(1, ihpav1beta2.MaxDurationSeconds))
		spec.StartingDeadlineSeconds = ptr(c.pick64(0, ihpav1beta2.MaxDurationSeconds))
		spec.ExecuteOn = ptr(int32(c.pick64(0, 23)))
		for _, count := range []**int32{&spec.BackoffLimit, &spec.Completions, &spec.SuccessfulJobsHistoryLimit, &spec.FailedJobsHistoryLimit} {
			*count = ptr(int32(c.pick64(0, math.MaxInt32)))
		}
		spec.ChangePointDetectionConfig = &ihpav1beta2.ChangePointDetectionConfig{PercentageThreshold: ptr(int32(c.pick64(1, 99)))}
		cpd := spec.ChangePointDetectionConfig
		for _, p := range []**int32{&cpd.WindowSize, &cpd.TrajectoryRows, &cpd.TrajectoryFeatures, &cpd.TestRows, &cpd.TestFeatures, &cpd.Lag} {
			*p = ptr(int32(c.pick64(1, math.MaxInt32)))
		}
		return Want{}
	}},
	{"text fields with any characters", func(c *consumer, fj *ihpav1beta2.FittingJob) Want {
		spec := &fj.Spec
		spec.CustomConfig = c.anyText(64 << 10)
		spec.Metric.Name = "m" + c.anyText(ihpav1beta2.MaxMetricNameLength-1)
		spec.Metric.Selector = nil
		if c.bool() {
			spec.Metric.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{c.anyText(64): c.anyText(256), "": c.anyText(8)}}
		}
		spec.Provider.Name = c.anyText(256)
		if p := spec.Provider.Prometheus; p != nil {
			p.URL = "h" + c.anyText(2048)
		}
		if d := spec.Provider.Datadog; d != nil && len(d.KeysFrom) == 0 {
			d.APIKey, d.AppKey = "k"+c.anyText(256), "k"+c.anyText(256)
		}
		return Want{}
	}},
}

// outOfRange are the integers with a range, each with values outside it.
var outOfRange = []struct {
	path   string
	values []int64
	set    func(fj *ihpav1beta2.FittingJob, v int64)
}{
	{"spec.executeOn", []int64{-1, 24, math.MinInt32, math.MaxInt32}, func(fj *ihpav1beta2.FittingJob, v int64) { fj.Spec.ExecuteOn = ptr(int32(v)) }},
	{"spec.changePointDetectionConfig.percentageThreshold", []int64{0, 100, math.MinInt32, math.MaxInt32}, setCPD(func(c *ihpav1beta2.ChangePointDetectionConfig, v *int32) { c.PercentageThreshold = v })},
	{"spec.changePointDetectionConfig.windowSize", []int64{0, -1, math.MinInt32}, setCPD(func(c *ihpav1beta2.ChangePointDetectionConfig, v *int32) { c.WindowSize = v })},
	{"spec.changePointDetectionConfig.trajectoryRows", []int64{0, math.MinInt32}, setCPD(func(c *ihpav1beta2.ChangePointDetectionConfig, v *int32) { c.TrajectoryRows = v })},
	{"spec.changePointDetectionConfig.trajectoryFeatures", []int64{0, math.MinInt32}, setCPD(func(c *ihpav1beta2.ChangePointDetectionConfig, v *int32) { c.TrajectoryFeatures = v })},
	{"spec.changePointDetectionConfig.testRows", []int64{0, math.MinInt32}, setCPD(func(c *ihpav1beta2.ChangePointDetectionConfig, v *int32) { c.TestRows = v })},
	{"spec.changePointDetectionConfig.testFeatures", []int64{0, math.MinInt32}, setCPD(func(c *ihpav1beta2.ChangePointDetectionConfig, v *int32) { c.TestFeatures = v })},
	{"spec.changePointDetectionConfig.lag", []int64{0, math.MinInt32}, setCPD(func(c *ihpav1beta2.ChangePointDetectionConfig, v *int32) { c.Lag = v })},
	{"spec.activeDeadlineSeconds", []int64{0, -1, math.MinInt64}, func(fj *ihpav1beta2.FittingJob, v int64) { fj.Spec.ActiveDeadlineSeconds = &v }},
	{"spec.startingDeadlineSeconds", []int64{-1, math.MinInt64}, func(fj *ihpav1beta2.FittingJob, v int64) { fj.Spec.StartingDeadlineSeconds = &v }},
	{"spec.backoffLimit", []int64{-1, math.MinInt32}, func(fj *ihpav1beta2.FittingJob, v int64) { fj.Spec.BackoffLimit = ptr(int32(v)) }},
	{"spec.completions", []int64{-1, math.MinInt32}, func(fj *ihpav1beta2.FittingJob, v int64) { fj.Spec.Completions = ptr(int32(v)) }},
	{"spec.successfulJobsHistoryLimit", []int64{-1, math.MinInt32}, func(fj *ihpav1beta2.FittingJob, v int64) { fj.Spec.SuccessfulJobsHistoryLimit = ptr(int32(v)) }},
	{"spec.failedJobsHistoryLimit", []int64{-1, math.MinInt32}, func(fj *ihpav1beta2.FittingJob, v int64) { fj.Spec.FailedJobsHistoryLimit = ptr(int32(v)) }},
}

func setCPD(set func(*ihpav1beta2.ChangePointDetectionConfig, *int32)) func(*ihpav1beta2.FittingJob, int64) {
	return func(fj *ihpav1beta2.FittingJob, v int64) {
		if fj.Spec.ChangePointDetectionConfig == nil {
			fj.Spec.ChangePointDetectionConfig = &ihpav1beta2.ChangePointDetectionConfig{}
		}
		set(fj.Spec.ChangePointDetectionConfig, ptr(int32(v)))
	}
}

// cronFields are five fields robfig/cron takes.
func (c *consumer) cronFields() []string {
	return []string{
		strconv.Itoa(c.intn(60)),
		c.pick(strconv.Itoa(c.intn(24)), "*/2", "0-23/6"),
		c.pick("*", "?", "1-15", "1,15"),
		c.pick("*", "JAN,JUL", "1-12/3", "dec"),
		c.pick("*", "MON-FRI", "0,6", "sun"),
	}
}

// notSubdomain is a name that is no lowercase RFC 1123 subdomain, or one
// longer than 253 characters.
func (c *consumer) notSubdomain() string {
	name := c.pick("Forecast", "fore_cast", "-data", "data-", "data.", ".data", "da..ta", "data x", "data\n", "データ", "long")
	if name == "long" {
		return subdomainOfLength(ihpav1beta2.MaxDNSSubdomainLength + 1 + c.intn(4096))
	}
	return name
}

// subdomainOfLength is a lowercase RFC 1123 subdomain of n characters,
// made of labels of at most 63.
func subdomainOfLength(n int) string {
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 && b.Len()%64 == 63 && b.Len() < n-1 {
			b.WriteByte('.')
			continue
		}
		b.WriteByte('a')
	}
	return b.String()
}

// anyText is text of at most max characters of any kind: control
// characters, quotes and backslashes, invisible and right-to-left marks,
// characters outside the Basic Multilingual Plane.
func (c *consumer) anyText(max int) string {
	runes := []rune("aZ9 _-.:/\"'\\{}<>&=%\x00\x01\x1b\t\n\r\u0085\u00a0\u200b\u2028\u202e\ufeff\ufffdé日本😀")
	n := c.intn(max + 1)
	var b strings.Builder
	for range n {
		b.WriteRune(runes[c.intn(len(runes))])
	}
	return b.String()
}

// pick64 is one of choices.
func (c *consumer) pick64(choices ...int64) int64 { return choices[c.intn(len(choices))] }

// take is the next n bytes of the input, or what is left of it.
func (c *consumer) take(n int) []byte {
	n = min(n, len(c.data))
	taken := c.data[:n]
	c.data = c.data[n:]
	return taken
}
