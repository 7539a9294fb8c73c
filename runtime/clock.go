package runtime

import (
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/wallclock"
)

// SystemClock is the host's wall clock. Hosts' clocks disagree: a backend
// shared by several processes decides on a clock of its own (TimeSource).
type SystemClock struct{}

// Now returns the host's wall-clock time.
func (SystemClock) Now() time.Time { return wallclock.Now() }

// backendClock returns backend's clock when it is a TimeSource, else the
// host's.
func backendClock(backend jobs.Backend) jobs.Clock {
	if ts, ok := backend.(jobs.TimeSource); ok {
		return ts.Clock()
	}
	return SystemClock{}
}
