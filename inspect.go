package jobs

import (
	"fmt"
	"strings"
)

// Page sizes of JobQuery.
const (
	DefaultPageSize = 20
	MaxPageSize     = 1000
)

// Scan bounds of a filtered JobQuery.
const (
	DefaultScanLimit = 5000
	MaxScanLimit     = 100000
)

// JobQuery selects one page of the jobs of a queue in one state.
type JobQuery struct {
	Queue  string
	State  State
	Limit  int    // page size; 0 means DefaultPageSize, at most MaxPageSize
	Cursor string // "" for the first page, else JobPage.NextCursor
	// Type, when set, keeps only the jobs of that type.
	Type string
	// Search, when set, keeps only the jobs whose ID, args or error
	// message contains it, ignoring case.
	Search string
	// ScanLimit bounds how many jobs a call with Type or Search examines:
	// 0 means DefaultScanLimit, at most MaxScanLimit. A call that reaches
	// it returns the jobs that matched so far, fewer than Limit or none,
	// and a NextCursor to scan on from.
	ScanLimit int
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
	if q.ScanLimit <= 0 {
		q.ScanLimit = DefaultScanLimit
	}
	q.ScanLimit = min(q.ScanLimit, MaxScanLimit)
	return q, nil
}

// Filtered reports whether q keeps only some jobs (Type or Search).
func (q JobQuery) Filtered() bool { return q.Type != "" || q.Search != "" }

// Matches reports whether j passes q's Type and Search filters.
func (q JobQuery) Matches(j Job) bool {
	if q.Type != "" && j.Type != q.Type {
		return false
	}
	if q.Search == "" {
		return true
	}
	if containsFold(j.ID, q.Search) || containsFold(string(j.Args), q.Search) {
		return true
	}
	return j.Error != nil && containsFold(j.Error.Message, q.Search)
}

// containsFold reports whether s contains substr, ignoring case.
func containsFold(s, substr string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(substr))
}

// JobPage is one page of a JobQuery.
type JobPage struct {
	Jobs []Job
	// NextCursor fetches the following page; "" when this is the last.
	// A filtered page that ends with the state's last job may still have
	// one; the page after it is then empty.
	NextCursor string
	// Scanned is how many jobs a filtered query examined, matching or
	// not; 0 for an unfiltered one.
	Scanned int
}
