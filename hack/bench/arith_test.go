package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRatioAndGrowth(t *testing.T) {
	for _, c := range []struct{ a, b, ratio, growth float64 }{
		{a: 15, b: 10, ratio: 1.5, growth: -100.0 / 3},
		{a: 50e6, b: 52.5e6, ratio: 50 / 52.5, growth: 5},
		{a: 3, b: 0, ratio: 0, growth: -100}, // a floor that took no time: no ratio
		{a: 0, b: 3, ratio: 0, growth: 0},    // nothing before: no growth
	} {
		if got := ratio(c.a, c.b); got != c.ratio {
			t.Errorf("ratio(%g, %g) = %g, want %g", c.a, c.b, got, c.ratio)
		}
		if got := growth(c.a, c.b); got-c.growth > 1e-9 || c.growth-got > 1e-9 {
			t.Errorf("growth(%g, %g) = %g %%, want %g", c.a, c.b, got, c.growth)
		}
	}
}

func TestDeltaOfCounters(t *testing.T) {
	before := map[string]float64{"POST configmaps 201": 10, "PUT cronjobs 200": 4, "gone": 2}
	after := map[string]float64{"POST configmaps 201": 15, "PUT cronjobs 200": 4, "new": 3}
	got := delta(before, after)
	want := "POST configmaps 201=5, gone=-2, new=3"
	if s := formatCounts(got); s != want {
		t.Errorf("delta = %s, want %s", s, want)
	}
	if total(got) != 6 {
		t.Errorf("total = %g, want 6", total(got))
	}
	if s := formatCounts(delta[string](nil, nil)); s != "none" {
		t.Errorf("empty delta = %s, want none", s)
	}
}

func TestBucketMinimum(t *testing.T) {
	for _, c := range []struct {
		k, qps float64
		burst  int
		want   time.Duration
	}{
		{k: 4100, qps: 50, burst: 100, want: 80 * time.Second}, // (4100 - 100) / 50
		{k: 80, qps: 50, burst: 100, want: 0},                  // within the burst
		{k: 4100, qps: -1, burst: 100, want: 0},                // unthrottled: no bucket
	} {
		if got := bucketMinimum(c.k, c.qps, c.burst); got != c.want {
			t.Errorf("bucketMinimum(%g, %g, %d) = %v, want %v", c.k, c.qps, c.burst, got, c.want)
		}
	}
}

func TestMedian(t *testing.T) {
	v := []float64{5, 1, 3}
	if got := median(v); got != 3 {
		t.Errorf("median(5 1 3) = %g", got)
	}
	if v[0] != 5 {
		t.Error("median sorted its argument")
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median(4 1 3 2) = %g", got)
	}
}

func TestCPUSecondsFromStat(t *testing.T) {
	// A command name with a space and a parenthesis; utime 250 and stime
	// 130 ticks (fields 14 and 15), cutime and cstime (children) ignored.
	stat := "4242 (fitting job) c) S 1 4242 4242 0 -1 4194560 9000 0 0 0 250 130 7 9 20 0 12 0 100 2000000 5000"
	got, err := cpuSeconds(stat)
	if err != nil || got != 3.8 {
		t.Errorf("cpuSeconds = %g, %v; want 3.8", got, err)
	}
	// Over a window: the difference of two readings.
	later, _ := cpuSeconds(strings.Replace(stat, " 250 130 ", " 260 145 ", 1))
	if d := later - got; d < 0.2499 || d > 0.2501 {
		t.Errorf("CPU over the window = %g s, want 0.25", d)
	}
	if _, err := cpuSeconds("4242 (short) S 1 2"); err == nil {
		t.Error("a truncated stat line parsed")
	}
}

func TestRSSFromStatus(t *testing.T) {
	status := "Name:\tfittingjob-cont\nVmPeak:\t 2000000 kB\nVmHWM:\t   60000 kB\nVmRSS:\t   51200 kB\nRssAnon:\t 40000 kB\n"
	if got, err := statusBytes(status, "VmRSS"); err != nil || got != 51200*1024 {
		t.Errorf("VmRSS = %g, %v; want %d", got, err, 51200*1024)
	}
	if got, err := statusBytes(status, "VmHWM"); err != nil || got != 60000*1024 {
		t.Errorf("VmHWM = %g, %v; want %d", got, err, 60000*1024)
	}
	if _, err := statusBytes("Name:\tx\n", "VmRSS"); err == nil {
		t.Error("a status without VmRSS parsed")
	}
}

func TestDefaultTimeoutIsLinear(t *testing.T) {
	if a, b, c := defaultTimeout(0), defaultTimeout(2000), defaultTimeout(10000); b-a != (c-a)/5 || a <= 0 {
		t.Errorf("defaultTimeout: 0 -> %v, 2000 -> %v, 10000 -> %v: not linear", a, b, c)
	}
}

func TestPerWrite(t *testing.T) {
	if got := perWrite(1.8, 6000); got < 0.2999 || got > 0.3001 {
		t.Errorf("perWrite(1.8 s, 6000) = %g ms, want 0.3", got)
	}
	if got := perWrite(1, 0); got != 0 {
		t.Errorf("perWrite without writes = %g, want 0", got)
	}
}

func TestMaxSteadyRSS(t *testing.T) {
	for n, want := range map[int]float64{200: 60e6, 2000: 60e6, 10000: 200e6} {
		if got := maxSteadyRSS(n); got != want {
			t.Errorf("maxSteadyRSS(%d) = %g, want %g", n, got, want)
		}
	}
}

func TestLimitVerdict(t *testing.T) {
	for _, c := range []struct {
		l    limit
		v    float64
		want string
	}{
		{atMost(1.05), 1.05, "met"},
		{atMost(1.05), 1.06, "MISSED"},
		{atMost(0), 1, "MISSED"},
		{atMost(0), 0, "met"},
		{noLimit, 1e9, "info"},
	} {
		if got := c.l.verdict(c.v); got != c.want {
			t.Errorf("%s verdict(%g) = %s, want %s", c.l.target("", ""), c.v, got, c.want)
		}
	}
}

func TestParallel(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	err := parallel(context.Background(), 1000, 4, func(_ context.Context, i int) error {
		mu.Lock()
		defer mu.Unlock()
		seen[i]++
		return nil
	})
	if err != nil || len(seen) != 1000 || seen[0] != 1 || seen[999] != 1 {
		t.Errorf("parallel: %v, %d indices seen, first %d times, last %d times", err, len(seen), seen[0], seen[999])
	}
	boom := errors.New("boom")
	var calls atomic.Int64
	err = parallel(context.Background(), 1000, 4, func(_ context.Context, i int) error {
		calls.Add(1)
		if i == 10 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls.Load() > 100 {
		t.Errorf("parallel after an error: %v, %d calls", err, calls.Load())
	}
}
