package controller

import (
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// maxLookBack bounds the search for the activation before a time: the cron
// library looks five years ahead at most, so no schedule it accepts has a
// longer gap.
const maxLookBack = 5 * 366 * 24 * time.Hour

// scheduleCache holds the schedules parsed so far, by parseSchedule's
// arguments: every sync needs its FittingJob's, and parsing (a time zone's
// above all) costs more than the rest of a sync that finds its children
// verified. A parsed schedule is never modified, so one serves every sync.
// The map is emptied when it reaches maxSchedules entries or its keys
// maxScheduleBytes, so that schedules no longer in force do not pile up
// and long ones cannot grow it without bound. The zero value is ready to
// use.
type scheduleCache struct {
	mu     sync.Mutex
	parsed map[scheduleKey]cron.Schedule
	// bytes is the length of the keys in parsed.
	bytes int
}

type scheduleKey struct {
	schedule string
	timeZone string
	zoned    bool
}

const (
	maxSchedules     = 10000
	maxScheduleBytes = 1 << 20
)

// parse returns parseSchedule's result, parsed once.
func (c *scheduleCache) parse(schedule string, timeZone *string) (cron.Schedule, error) {
	key := scheduleKey{schedule: schedule}
	if timeZone != nil {
		key.timeZone, key.zoned = *timeZone, true
	}
	c.mu.Lock()
	parsed, ok := c.parsed[key]
	c.mu.Unlock()
	if ok {
		return parsed, nil
	}
	parsed, err := parseSchedule(schedule, timeZone)
	if err != nil {
		return nil, err
	}
	size := len(key.schedule) + len(key.timeZone)
	c.mu.Lock()
	if c.parsed == nil || len(c.parsed) >= maxSchedules || c.bytes+size > maxScheduleBytes {
		c.parsed, c.bytes = map[scheduleKey]cron.Schedule{}, 0
	}
	if _, ok := c.parsed[key]; !ok {
		c.bytes += size
	}
	c.parsed[key] = parsed
	c.mu.Unlock()
	return parsed, nil
}

// parseSchedule parses a CronJob's schedule as the CronJob controller does
// (robfig/cron's standard parser, the time zone as a TZ= prefix), so that
// the periods the freshness condition uses are those of the runs the
// CronJob makes.
//
// Both parsers take what a user wrote, and the cron library panics on some
// of it (a TZ= prefix without a space after it): they go through guard.
func parseSchedule(schedule string, timeZone *string) (cron.Schedule, error) {
	if timeZone != nil {
		if _, err := guard("time zone", func() (*time.Location, error) { return time.LoadLocation(*timeZone) }); err != nil {
			return nil, err
		}
		schedule = "TZ=" + *timeZone + " " + schedule
	}
	s, err := guard("schedule", func() (cron.Schedule, error) { return cron.ParseStandard(schedule) })
	if err != nil {
		return nil, fmt.Errorf("unparsable schedule %q: %w", schedule, err)
	}
	return s, nil
}

// periodAround is the interval between the activation at or before t and
// the one after t: the period of the schedule that t falls in. A weekday
// schedule has a 72-hour period from Friday to Monday and 24 hours on
// other days. ok is false for a schedule that never fires after t.
func periodAround(s cron.Schedule, t time.Time) (period time.Duration, ok bool) {
	next := s.Next(t)
	if next.IsZero() {
		return 0, false
	}
	if prev, ok := activationAtOrBefore(s, t); ok {
		return next.Sub(prev), true
	}
	after := s.Next(next)
	if after.IsZero() {
		return 0, false
	}
	return after.Sub(next), true
}

// activationAtOrBefore is the latest activation of s not after t. The
// library only looks forward, so it widens a window back from t until an
// activation falls in it, then walks forward to the last one.
func activationAtOrBefore(s cron.Schedule, t time.Time) (time.Time, bool) {
	for window := time.Minute; window <= maxLookBack; window *= 2 {
		a := s.Next(t.Add(-window))
		if a.IsZero() || a.After(t) {
			continue
		}
		for {
			n := s.Next(a)
			if n.IsZero() || n.After(t) {
				return a, true
			}
			a = n
		}
	}
	return time.Time{}, false
}
