package jobs

import (
	"context"
	"time"
)

// ScheduleInfo is what a backend knows of a periodic schedule.
type ScheduleInfo struct {
	Name      string    `json:"name"`
	Spec      string    `json:"spec"`
	TimeZone  string    `json:"time_zone"`
	JobType   string    `json:"job_type"`
	LastRun   time.Time `json:"last_run,omitzero"` // the latest claimed tick
	LastJobID string    `json:"last_job_id,omitempty"`
	NextRun   time.Time `json:"next_run,omitzero"`
}

// PeriodicStore lets any number of processes run the same schedules with
// exactly one job per tick.
type PeriodicStore interface {
	// ClaimTick claims the tick info.LastRun of schedule info.Name for the
	// caller: atomically, it stores info and returns true unless that tick
	// or a later one was claimed already, in which case it stores nothing
	// and returns false.
	ClaimTick(ctx context.Context, info ScheduleInfo) (bool, error)
	// Schedules lists the last claim of every schedule, sorted by name.
	Schedules(ctx context.Context) ([]ScheduleInfo, error)
}
