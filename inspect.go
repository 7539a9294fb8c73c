package jobs

import (
	"context"
	"fmt"
)

// Page sizes of JobQuery.
const (
	DefaultPageSize = 20
	MaxPageSize     = 1000
)

// JobQuery selects one page of the jobs of a queue in one state.
type JobQuery struct {
	Queue  string
	State  State
	Limit  int    // page size; 0 means DefaultPageSize, at most MaxPageSize
	Cursor string // "" for the first page, else JobPage.NextCursor
}

// Normalize checks q's queue and state and returns q with Limit defaulted
// and capped; backends call it first in ListJobs.
func (q JobQuery) Normalize() (JobQuery, error) {
	if err := ValidateQueueName(q.Queue); err != nil {
		return q, fmt.Errorf("%w: %w", ErrInvalidQuery, err)
	}
	if !q.State.Valid() {
		return q, fmt.Errorf("%w: unknown state %q", ErrInvalidQuery, q.State)
	}
	if q.Limit <= 0 {
		q.Limit = DefaultPageSize
	}
	q.Limit = min(q.Limit, MaxPageSize)
	return q, nil
}

// JobPage is one page of a JobQuery.
type JobPage struct {
	Jobs []Job
	// NextCursor fetches the following page; "" when this is the last.
	NextCursor string
}

// Inspector is what operators need beyond the Backend: browsing queues by
// state, pausing queues and bulk repair of the dead-letter queue. The admin
// API and the jobs command use it; every adapter implements it.
type Inspector interface {
	// ListJobs pages through a queue's jobs in one state: pending in the
	// order workers take them, scheduled and retrying by execute-at time,
	// running by lease deadline, completed, failed and cancelled newest
	// first. Pages stay fast however many jobs the queue holds.
	ListJobs(ctx context.Context, q JobQuery) (JobPage, error)
	// PauseQueue stops every worker of every process from taking jobs of
	// queue until ResumeQueue; enqueueing goes on. QueueStats.Paused tells.
	PauseQueue(ctx context.Context, queue string) error
	// ResumeQueue lets workers take jobs of a paused queue again.
	ResumeQueue(ctx context.Context, queue string) error
	// RetryDeadLetters requeues every dead-letter job matching q's Queue
	// and Type (Limit is ignored) and reports how many.
	RetryDeadLetters(ctx context.Context, q DeadLetterQuery) (int, error)
	// PurgeDeadLetters deletes every dead-letter job matching q's Queue and
	// Type (Limit is ignored) and reports how many.
	PurgeDeadLetters(ctx context.Context, q DeadLetterQuery) (int, error)
}
