package jobs

import (
	"context"
)

// CancelNotifier tells worker pools, on every process, that running jobs
// were cancelled, so that their handlers stop at once instead of at the
// next lease renewal.
type CancelNotifier interface {
	// CancelledJobs delivers the ID of every running job cancelled after
	// the call, until ctx is done; then the channel is closed. A slow
	// reader may miss IDs (the lease renewal catches those).
	CancelledJobs(ctx context.Context) (<-chan string, error)
}
