package admin

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/jobsgo/jobs"
)

// Job is the JSON form of a jobs.Job in every response of the API (and
// of the jobs command's --json output). Durations are float milliseconds,
// times RFC 3339 in UTC; zero times and empty fields are left out.
type Job struct {
	ID       string     `json:"id"`
	Type     string     `json:"type"`
	Queue    string     `json:"queue"`
	Priority string     `json:"priority"`
	State    jobs.State `json:"state"`
	// Args and Result are the job's JSON as stored.
	Args   json.RawMessage `json:"args"`
	Result json.RawMessage `json:"result,omitempty"`
	// LastError is why the latest failed attempt failed. Its stack trace is
	// only in the single-job endpoint's response.
	LastError   *JobError         `json:"last_error,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	TenantID    string            `json:"tenant_id,omitempty"`
	Attempts    int               `json:"attempts"` // attempts started so far
	MaxRetries  int               `json:"max_retries"`
	RetriesLeft int               `json:"retries_left"`
	// Refunded counts the attempts that do not count against MaxRetries: a
	// worker stopped while the job ran beside others (jobs.Job.Refunded).
	Refunded int `json:"refunded,omitempty"`
	// Alone is set while the job runs alone in its process, as a suspect.
	Alone bool `json:"alone,omitempty"`
	// TimeoutMS is the job's own per-attempt timeout, if it has one.
	TimeoutMS float64 `json:"timeout_ms,omitempty"`
	// RetryPolicy is the job's own retry policy, if it has one.
	RetryPolicy *RetryPolicy `json:"retry_policy,omitempty"`
	CreatedAt   time.Time    `json:"created_at,omitzero"`
	ExecuteAt   time.Time    `json:"execute_at,omitzero"`
	StartedAt   time.Time    `json:"started_at,omitzero"`  // of the latest attempt
	FinishedAt  time.Time    `json:"finished_at,omitzero"` // completed, failed or cancelled
	LeaseUntil  time.Time    `json:"lease_until,omitzero"` // running jobs
	// DurationMS is how long the last attempt of a finished job ran.
	DurationMS float64 `json:"duration_ms,omitempty"`
	// Raw holds, for a job quarantined as corrupt, the stored values that
	// could not be read, by field name (see jobs.Job.Raw).
	Raw map[string]string `json:"raw,omitempty"`
}

// JobError is why an attempt failed.
type JobError struct {
	Message    string `json:"message"`
	Type       string `json:"type"`
	Stacktrace string `json:"stacktrace,omitempty"`
}

// RetryPolicy is the JSON form of a jobs.RetryPolicy.
type RetryPolicy struct {
	Backoff        jobs.Backoff `json:"backoff,omitempty"`
	InitialDelayMS float64      `json:"initial_delay_ms,omitempty"`
	MaxDelayMS     float64      `json:"max_delay_ms,omitempty"`
	Jitter         float64      `json:"jitter,omitempty"`
}

// Stats are the figures of GET /api/admin/jobs/stats.
type Stats struct {
	Processed     int64        `json:"processed"`
	Succeeded     int64        `json:"succeeded"`
	Failed        int64        `json:"failed"`
	DeadLetters   int64        `json:"dead_letters"`
	AvgDurationMS float64      `json:"avg_duration_ms"`
	Queues        []QueueStats `json:"queues"`
	Workers       []Worker     `json:"workers"`
}

// QueueStats are the figures of one queue. Size is the number of pending
// jobs; Failed counts failed attempts (retried or dead), DeadLetters the
// jobs in the dead-letter queue now. Unserved is set when the queue holds
// pending jobs and no live worker serves it (jobs.Stats.UnservedQueues):
// they wait until a pool serves the queue.
type QueueStats struct {
	Name          string  `json:"name"`
	Paused        bool    `json:"paused"`
	Size          int64   `json:"size"`
	Scheduled     int64   `json:"scheduled"`
	Retrying      int64   `json:"retrying"`
	Running       int64   `json:"running"`
	DeadLetters   int64   `json:"dead_letters"`
	Processed     int64   `json:"processed"`
	Succeeded     int64   `json:"succeeded"`
	Failed        int64   `json:"failed"`
	AvgDurationMS float64 `json:"avg_duration_ms"`
	Unserved      bool    `json:"unserved"`
}

// Worker is one live worker (a concurrency slot of a pool).
type Worker struct {
	ID            string            `json:"id"`
	ProcessID     string            `json:"process_id"`
	Queue         string            `json:"queue"`
	Status        jobs.WorkerStatus `json:"status"` // running or idle
	JobID         string            `json:"job_id,omitempty"`
	JobType       string            `json:"job_type,omitempty"`
	JobStartedAt  time.Time         `json:"job_started_at,omitzero"`
	LastHeartbeat time.Time         `json:"last_heartbeat"`
}

// JobOf converts j; withStack keeps the stack trace of its last error.
func JobOf(j jobs.Job, withStack bool) Job {
	out := Job{
		ID:          j.ID,
		Type:        j.Type,
		Queue:       j.Queue,
		Priority:    j.Priority.String(),
		State:       j.State,
		Args:        j.Args,
		Result:      j.Result,
		Metadata:    j.Metadata,
		TenantID:    j.TenantID,
		Attempts:    j.Attempt,
		MaxRetries:  j.MaxRetries,
		RetriesLeft: j.RetriesLeft(),
		Refunded:    j.Refunded,
		Alone:       j.Alone,
		TimeoutMS:   ms(j.Timeout),
		CreatedAt:   utc(j.CreatedAt),
		ExecuteAt:   utc(j.ExecuteAt),
		StartedAt:   utc(j.StartedAt),
		FinishedAt:  utc(j.FinishedAt),
		LeaseUntil:  utc(j.LeaseUntil),
		Raw:         j.Raw,
	}
	if len(out.Args) == 0 {
		out.Args = json.RawMessage("null")
	}
	if j.Error != nil {
		out.LastError = &JobError{Message: j.Error.Message, Type: j.Error.Type}
		if withStack {
			out.LastError.Stacktrace = j.Error.Stacktrace
		}
	}
	if j.Retry != nil {
		out.RetryPolicy = &RetryPolicy{
			Backoff:        j.Retry.Backoff,
			InitialDelayMS: ms(j.Retry.InitialDelay),
			MaxDelayMS:     ms(j.Retry.MaxDelay),
			Jitter:         j.Retry.Jitter,
		}
	}
	if j.State.Terminal() && !j.StartedAt.IsZero() && j.FinishedAt.After(j.StartedAt) {
		out.DurationMS = ms(j.FinishedAt.Sub(j.StartedAt))
	}
	return out
}

// JobsOf converts jobs, without stack traces; it never returns nil.
func JobsOf(batch []jobs.Job) []Job {
	out := make([]Job, len(batch))
	for i, j := range batch {
		out[i] = JobOf(j, false)
	}
	return out
}

// StatsOf converts s; it never leaves Queues or Workers nil.
func StatsOf(s jobs.Stats) Stats {
	out := Stats{
		Processed:     s.Processed,
		Succeeded:     s.Succeeded,
		Failed:        s.Failed,
		DeadLetters:   s.DeadLetters,
		AvgDurationMS: ms(s.AvgDuration),
		Queues:        make([]QueueStats, len(s.Queues)),
		Workers:       make([]Worker, len(s.Workers)),
	}
	unserved := s.UnservedQueues()
	for i, q := range s.Queues {
		out.Queues[i] = QueueStats{
			Name:          q.Name,
			Paused:        q.Paused,
			Size:          q.Pending,
			Scheduled:     q.Scheduled,
			Retrying:      q.Retrying,
			Running:       q.Running,
			DeadLetters:   q.DeadLetters,
			Processed:     q.Processed,
			Succeeded:     q.Succeeded,
			Failed:        q.Failed,
			AvgDurationMS: ms(q.AvgDuration),
			Unserved:      slices.Contains(unserved, q.Name),
		}
	}
	for i, w := range s.Workers {
		out.Workers[i] = Worker{
			ID:            w.ID,
			ProcessID:     w.ProcessID,
			Queue:         w.Queue,
			Status:        w.Status,
			JobID:         w.JobID,
			JobType:       w.JobType,
			JobStartedAt:  utc(w.JobStartedAt),
			LastHeartbeat: utc(w.LastHeartbeat),
		}
	}
	return out
}

// ms is d in float milliseconds.
func ms(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// utc is t in UTC without a monotonic reading; the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Round(0)
}
