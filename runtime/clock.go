package runtime

import (
	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/wallclock"
)

// SystemClock is the host's wall clock, the one the backends without a
// clock of their own use too. Hosts' clocks disagree: a backend shared by
// several processes decides on a clock of its own (jobs.TimeSource).
type SystemClock = wallclock.Clock

// backendClock returns backend's clock when it is a TimeSource, else the
// host's.
func backendClock(backend jobs.Backend) jobs.Clock {
	if ts, ok := backend.(jobs.TimeSource); ok {
		return ts.Clock()
	}
	return SystemClock{}
}
