// Package wallclock is the host's wall clock: the one place where the
// module reads it to decide something (runtime.SystemClock, the Redis
// backend's server clock). Durations measured on one host (time.Since)
// do not go through it.
//
// SetOffset moves this process's wall clock, exactly as a host clock that
// is off by that much would: tests of clock skew run worker processes with
// an offset.
package wallclock

import (
	"sync/atomic"
	"time"
)

// offset is what SetOffset set, in nanoseconds.
var offset atomic.Int64

// Now returns the host's wall-clock time, moved by SetOffset's offset.
func Now() time.Time {
	return time.Now().Add(time.Duration(offset.Load()))
}

// SetOffset makes Now run d ahead of the host's clock (behind when d is
// negative), as on a host whose clock is wrong by d. It is for tests.
func SetOffset(d time.Duration) { offset.Store(int64(d)) }

// Clock is the host's wall clock (with the offset) as a value with a Now
// method, the default clock of backends that have none of their own.
type Clock struct{}

// Now returns Now().
func (Clock) Now() time.Time { return Now() }
