package jobs

import (
	"sort"
	"time"
)

// Stats are a backend's figures. Processed counts finished attempts:
// Succeeded ones and Failed ones (retried or dead).
type Stats struct {
	Processed   int64         `json:"processed"`
	Succeeded   int64         `json:"succeeded"`
	Failed      int64         `json:"failed"`
	DeadLetters int64         `json:"dead_letters"`
	Queues      []QueueStats  `json:"queues"`  // sorted by name
	Workers     []WorkerInfo  `json:"workers"` // sorted by ID
	AvgDuration time.Duration `json:"avg_duration"`
}

// QueueStats are the figures of one queue.
type QueueStats struct {
	Name        string        `json:"name"`
	Paused      bool          `json:"paused"`
	Pending     int64         `json:"pending"` // the queue's size
	Scheduled   int64         `json:"scheduled"`
	Retrying    int64         `json:"retrying"`
	Running     int64         `json:"running"`
	DeadLetters int64         `json:"dead_letters"`
	Processed   int64         `json:"processed"`
	Succeeded   int64         `json:"succeeded"`
	Failed      int64         `json:"failed"`
	AvgDuration time.Duration `json:"avg_duration"` // mean handler time of finished attempts
}

// WorkerStatus says whether a worker runs a job.
type WorkerStatus string

// The worker statuses.
const (
	WorkerIdle    WorkerStatus = "idle"
	WorkerRunning WorkerStatus = "running"
)

// WorkerInfo describes one worker (one concurrency slot of a pool).
type WorkerInfo struct {
	ID            string       `json:"id"`
	ProcessID     string       `json:"process_id"`
	Queue         string       `json:"queue"`
	Status        WorkerStatus `json:"status"`
	JobID         string       `json:"job_id,omitempty"`
	JobType       string       `json:"job_type,omitempty"`
	JobStartedAt  time.Time    `json:"job_started_at,omitzero"`
	LastHeartbeat time.Time    `json:"last_heartbeat"`
}

// UnservedQueues lists, sorted, the queues of s that hold pending jobs
// while no live worker of s.Workers serves them. The admin API and the
// jobs command mark them (admin.QueueStats.Unserved).
func (s Stats) UnservedQueues() []string {
	served := make(map[string]bool, len(s.Queues))
	for _, w := range s.Workers {
		served[w.Queue] = true
	}
	var out []string
	for _, q := range s.Queues {
		if q.Pending > 0 && !served[q.Name] {
			out = append(out, q.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Queue returns the figures of the queue called name (zero when absent).
func (s Stats) Queue(name string) QueueStats {
	for _, q := range s.Queues {
		if q.Name == name {
			return q
		}
	}
	return QueueStats{Name: name}
}
