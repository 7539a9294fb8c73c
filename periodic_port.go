package jobs

import (
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
