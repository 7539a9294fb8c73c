package jobs

import (
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
