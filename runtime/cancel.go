package runtime

import (
	"context"
	"errors"
)

// ErrJobCancelled is the cause (context.Cause) of a running handler's
// context when its job was cancelled through Store.Cancel.
var ErrJobCancelled = errors.New("job cancelled")

// CancelNotifier tells worker pools, on every process, that running jobs
// were cancelled, so that their handlers stop at once instead of at the
// next lease renewal.
type CancelNotifier interface {
	// CancelledJobs delivers the ID of every running job cancelled after
	// the call, until ctx is done; then the channel is closed. A slow
	// reader may miss IDs (the lease renewal catches those).
	CancelledJobs(ctx context.Context) (<-chan string, error)
}
