package controller

import (
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
