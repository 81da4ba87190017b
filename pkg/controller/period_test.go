package controller

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/ptr"
)

func TestPeriodAround(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := map[string]struct {
		schedule string
		timeZone *string
		t        time.Time
		want     time.Duration
	}{
		"daily":                      {schedule: "12 4 * * *", t: at("2026-11-25T04:20:00Z"), want: 24 * time.Hour},
		"daily, exactly on the tick": {schedule: "12 4 * * *", t: at("2026-11-25T04:12:00Z"), want: 24 * time.Hour},
		"every minute":               {schedule: "* * * * *", t: at("2026-11-25T04:20:30Z"), want: time.Minute},
		"hourly macro":               {schedule: "@hourly", t: at("2026-11-25T04:20:00Z"), want: time.Hour},
		"weekdays, Friday to Monday": {schedule: "0 4 * * 1-5", t: at("2026-11-27T04:05:00Z"), want: 72 * time.Hour},
		"weekdays, Monday":           {schedule: "0 4 * * 1-5", t: at("2026-11-23T04:05:00Z"), want: 24 * time.Hour},
		"twice a day, unevenly":      {schedule: "0 4,8 * * *", t: at("2026-11-25T05:00:00Z"), want: 4 * time.Hour},
		"yearly":                     {schedule: "0 0 1 1 *", t: at("2026-11-25T00:00:00Z"), want: 365 * 24 * time.Hour},
		// 2026-03-29 is 23 hours long in Berlin: the CronJob fires at
		// 04:00 local time, so the period is 23 hours, not 24.
		"time zone with a DST change": {schedule: "0 4 * * *", timeZone: ptr.To("Europe/Berlin"), t: at("2026-03-28T05:00:00Z"), want: 23 * time.Hour},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := parseSchedule(tc.schedule, tc.timeZone)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := periodAround(s, tc.t)
			if !ok || got != tc.want {
				t.Errorf("periodAround(%q, %s) = %s, %v; want %s", tc.schedule, tc.t, got, ok, tc.want)
			}
		})
	}
}

func TestParseScheduleRefusesWhatTheCronJobControllerRefuses(t *testing.T) {
	for _, tc := range []struct {
		schedule string
		timeZone *string
	}{
		{schedule: "61 * * * *"},
		{schedule: "not a schedule"},
		{schedule: "0 4 * * *", timeZone: ptr.To("Mars/Olympus")},
	} {
		if _, err := parseSchedule(tc.schedule, tc.timeZone); err == nil {
			t.Errorf("parseSchedule(%q, %v) accepted it", tc.schedule, tc.timeZone)
		}
	}
}

// TestScheduleCacheParsesOnce: a schedule (and time zone) parsed once is
// served again as the same value; errors are not cached; the cache starts
// afresh when it is full.
func TestScheduleCacheParsesOnce(t *testing.T) {
	var c scheduleCache
	berlin := ptr.To("Europe/Berlin")
	first, err := c.parse("0 4 * * *", berlin)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.parse("0 4 * * *", berlin); again != first {
		t.Error("the same schedule and time zone were parsed again")
	}
	if utc, _ := c.parse("0 4 * * *", nil); utc == first {
		t.Error("the schedule without a time zone was served the Berlin one")
	}
	if _, err := c.parse("0 4 * *", nil); err == nil {
		t.Error("an invalid schedule parsed")
	}
	if n := len(c.parsed); n != 2 {
		t.Errorf("%d schedules cached, want 2 (no error cached)", n)
	}

	// As many new schedules again as the cache holds: it fills, and
	// starts afresh.
	for i := range maxSchedules {
		if _, err := c.parse(fmt.Sprintf("%d %d %d * *", i%60, i/60%24, i/(60*24)+1), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.parsed); n >= maxSchedules {
		t.Errorf("%d schedules cached after %d more: the cache never started afresh", n, maxSchedules)
	}
}

// TestScheduleCacheIsBoundedInBytes: long schedules (valid ones pad a
// field with leading zeros) fill the cache by size long before its entry
// limit.
func TestScheduleCacheIsBoundedInBytes(t *testing.T) {
	var c scheduleCache
	padded := strings.Repeat("0", 64*1024)
	for i := range 64 {
		if _, err := c.parse(fmt.Sprintf("%s%d 4 * * *", padded, i%60), nil); err != nil {
			t.Fatal(err)
		}
		if c.bytes > maxScheduleBytes {
			t.Fatalf("after %d schedules of 64 KiB the cache holds %d bytes of keys, more than %d", i+1, c.bytes, maxScheduleBytes)
		}
	}
	if n := len(c.parsed); n >= 64 {
		t.Errorf("%d long schedules cached: the cache never started afresh", n)
	}
}
