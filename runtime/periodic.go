package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/robfig/cron/v3"
)

// MissedTicks says what a schedule does about ticks that passed while no
// process ran it.
type MissedTicks int

const (
	// SkipMissed forgets missed ticks: the next run is the next tick.
	SkipMissed MissedTicks = iota
	// RunMissedOnce runs one job at start-up when any tick was missed,
	// however many were.
	RunMissedOnce
)

// Schedule enqueues a job of JobType with Args at every tick of Spec.
// Any number of processes may run the same schedule: each tick enqueues
// exactly one job.
type Schedule struct {
	// Name identifies the schedule across processes (at most 100 bytes).
	Name string
	// Spec is a cron spec: 5 fields (minute hour day-of-month month
	// day-of-week), an optional leading seconds field, or a descriptor such
	// as @hourly, @daily, @weekly or @every 5m. @every ticks fall on
	// multiples of the interval since the Unix epoch, so every process
	// agrees on them.
	Spec string
	// Location is the time zone of Spec; nil means UTC.
	Location *time.Location
	// JobType, Args and Options describe the job each tick enqueues.
	JobType string
	Args    json.RawMessage
	Options []jobs.EnqueueOption
	// Missed says what to do about ticks missed while no process ran.
	Missed MissedTicks
}

// PeriodicValue builds a Schedule whose job args are v encoded as JSON.
// Generated PeriodicX functions call it.
func PeriodicValue[T any](name, spec, jobType string, v T, opts ...jobs.EnqueueOption) (Schedule, error) {
	args, err := json.Marshal(v)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %s: encode args: %w", name, err)
	}
	return Schedule{Name: name, Spec: spec, JobType: jobType, Args: args, Options: opts}, nil
}

var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ticker computes a schedule's ticks.
type ticker interface {
	Next(time.Time) time.Time
}

// everyTicker ticks at multiples of d since the Unix epoch.
type everyTicker time.Duration

func (e everyTicker) Next(t time.Time) time.Time {
	d := time.Duration(e)
	return t.Truncate(d).Add(d)
}

type parsedSchedule struct {
	Schedule
	ticks ticker
}

func parseSchedule(s Schedule) (parsedSchedule, error) {
	if err := jobs.ValidateScheduleName(s.Name); err != nil {
		return parsedSchedule{}, err
	}
	if err := jobs.ValidateJobType(s.JobType); err != nil {
		return parsedSchedule{}, fmt.Errorf("schedule %s: %w", s.Name, err)
	}
	if len(s.Args) > 0 && !json.Valid(s.Args) {
		return parsedSchedule{}, fmt.Errorf("schedule %s: args are not valid JSON", s.Name)
	}
	if s.Location == nil {
		s.Location = time.UTC
	}
	sched, err := cronParser.Parse(s.Spec)
	if err != nil {
		return parsedSchedule{}, fmt.Errorf("schedule %s: spec %q: %w", s.Name, s.Spec, err)
	}
	p := parsedSchedule{Schedule: s, ticks: sched}
	if every, ok := sched.(cron.ConstantDelaySchedule); ok {
		p.ticks = everyTicker(every.Delay)
	}
	return p, nil
}

// next is the first tick strictly after t, in the schedule's zone.
func (p parsedSchedule) next(t time.Time) time.Time {
	return p.ticks.Next(t.In(p.Location))
}

// jobID names the job of one tick, the same in every process.
func (p parsedSchedule) jobID(tick time.Time) string {
	return fmt.Sprintf("periodic:%s:%d", p.Name, tick.Unix())
}

// Periodic runs schedules: at each tick it claims the tick in the backend
// (PeriodicStore) and, if this process won it, enqueues the tick's job.
type Periodic struct {
	client    *Client
	store     jobs.PeriodicStore
	schedules []parsedSchedule
	clock     jobs.Clock
	log       *slog.Logger
}

// NewPeriodic checks schedules (args within client's payload limit
// included) and returns a runner that claims ticks in client's backend and
// enqueues through client. logger may be nil.
func NewPeriodic(client *Client, schedules []Schedule, logger *slog.Logger) (*Periodic, error) {
	if logger == nil {
		logger = slog.Default()
	}
	p := &Periodic{client: client, store: client.Backend(), clock: client.clock, log: logger}
	seen := make(map[string]bool)
	for _, s := range schedules {
		ps, err := parseSchedule(s)
		if err != nil {
			return nil, fmt.Errorf("periodic: %w", err)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("periodic: schedule name %q is used twice", s.Name)
		}
		if err := client.checkPayload(s.JobType, s.Args); err != nil {
			return nil, fmt.Errorf("periodic: schedule %q: %w", s.Name, err)
		}
		seen[s.Name] = true
		p.schedules = append(p.schedules, ps)
	}
	sort.Slice(p.schedules, func(i, j int) bool { return p.schedules[i].Name < p.schedules[j].Name })
	return p, nil
}

// Run catches up on missed ticks (per schedule), then fires every tick
// until ctx is done.
func (p *Periodic) Run(ctx context.Context) {
	if len(p.schedules) == 0 {
		return
	}
	next := p.start(ctx, p.clock.Now())
	for {
		wake := next[0]
		for _, t := range next[1:] {
			if t.Before(wake) {
				wake = t
			}
		}
		timer := time.NewTimer(max(0, wake.Sub(p.clock.Now())))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		now := p.clock.Now()
		for i, s := range p.schedules {
			for !next[i].After(now) {
				p.fire(ctx, s, next[i])
				next[i] = s.next(next[i])
			}
		}
	}
}

// start runs the catch-up of schedules with RunMissedOnce and returns each
// schedule's next tick after now.
func (p *Periodic) start(ctx context.Context, now time.Time) []time.Time {
	last := make(map[string]jobs.ScheduleInfo)
	if infos, err := p.store.Schedules(ctx); err != nil {
		p.log.Error("jobs: read schedules; missed ticks are not caught up", "err", err)
	} else {
		for _, in := range infos {
			last[in.Name] = in
		}
	}
	next := make([]time.Time, len(p.schedules))
	for i, s := range p.schedules {
		next[i] = s.next(now)
		prev, ok := last[s.Name]
		if s.Missed != RunMissedOnce || !ok || prev.LastRun.IsZero() {
			continue
		}
		if missed := s.next(prev.LastRun); !missed.After(now) {
			p.log.Info("jobs: running a missed tick", "schedule", s.Name, "tick", missed)
			p.fire(ctx, s, missed)
		}
	}
	return next
}

// fire claims tick and, when this process won it, enqueues its job.
func (p *Periodic) fire(ctx context.Context, s parsedSchedule, tick time.Time) {
	id := s.jobID(tick)
	info := jobs.ScheduleInfo{
		Name: s.Name, Spec: s.Spec, TimeZone: s.Location.String(), JobType: s.JobType,
		LastRun: tick, LastJobID: id, NextRun: s.next(tick),
	}
	won, err := p.store.ClaimTick(ctx, info)
	if err != nil {
		p.log.Error("jobs: claim periodic tick", "schedule", s.Name, "tick", tick, "err", err)
		return
	}
	if !won {
		return
	}
	opts := append(append([]jobs.EnqueueOption(nil), s.Options...), jobs.WithJobID(id))
	_, err = p.client.Enqueue(ctx, s.JobType, s.Args, opts...)
	if err != nil && !errors.Is(err, jobs.ErrDuplicateJob) {
		p.log.Error("jobs: enqueue periodic job; this tick is lost", "schedule", s.Name, "tick", tick, "err", err)
		return
	}
	p.log.Debug("jobs: periodic job enqueued", "schedule", s.Name, "tick", tick, "job_id", id)
}
