package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ratio is a/b; 0 when b is 0, so that a phase that could not be timed
// shows no ratio rather than an infinite one.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// growth is the change from before to after, in percent of before.
func growth(before, after float64) float64 { return 100 * ratio(after-before, before) }

// delta is after minus before for every key, leaving out the counters that
// did not move.
func delta[K comparable](before, after map[K]float64) map[K]float64 {
	out := map[K]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	for k, v := range before {
		if _, ok := after[k]; !ok && v != 0 {
			out[k] = -v
		}
	}
	return out
}

func total[K comparable](m map[K]float64) float64 {
	var t float64
	for _, v := range m {
		t += v
	}
	return t
}

// formatCounts prints a map as "k=v, ..." sorted by key, "none" if empty.
func formatCounts[K comparable](m map[K]float64) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%v=%g", k, v))
	}
	if len(parts) == 0 {
		return "none"
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// bucketMinimum is the least time k requests take through one client-go
// token bucket: burst of them at once, the rest at qps. An unthrottled
// client (qps <= 0) has no bucket and no minimum.
func bucketMinimum(k, qps float64, burst int) time.Duration {
	if qps <= 0 {
		return 0
	}
	return time.Duration(max(0, k-float64(burst)) / qps * float64(time.Second))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// userHZ is the unit of the times in /proc/<pid>/stat on every Linux
// architecture Go runs on.
const userHZ = 100

// cpuSeconds is utime + stime of a /proc/<pid>/stat line. The command name
// (field 2) is in parentheses and may hold spaces and parentheses, so the
// fields are counted from the last ')': utime and stime are fields 14 and 15.
func cpuSeconds(stat string) (float64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	var ticks float64
	for _, s := range f[11:13] {
		t, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += float64(t)
	}
	return ticks / userHZ, nil
}

// statusBytes is a memory figure of a /proc/<pid>/status file: VmRSS
// (resident now) or VmHWM (the peak).
func statusBytes(status, field string) (float64, error) {
	for line := range strings.Lines(status) {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("unexpected %s line %q", field, line)
			}
			kb, err := strconv.ParseFloat(f[0], 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no %s line", field)
}

// perWrite is cpu seconds per write, in milliseconds; 0 without writes.
func perWrite(cpu, writes float64) float64 {
	if writes <= 0 {
		return 0
	}
	return 1000 * cpu / writes
}

// maxSteadyRSS is the steady-state RSS target at n FittingJobs: 60 MB up
// to 2000, then 17.5 KB more per FittingJob (200 MB at 10,000).
func maxSteadyRSS(n int) float64 {
	return 60e6 + 17.5e3*float64(max(0, n-2000))
}

// defaultTimeout bounds one wait (a convergence, a namespace deletion) at
// n FittingJobs: linear in n, as the work is.
func defaultTimeout(n int) time.Duration {
	return 2*time.Minute + time.Duration(n)*50*time.Millisecond
}
