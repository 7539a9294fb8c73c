package jobs

import (
	"fmt"
	"time"
)

// Defaults of Retention, the same for every backend.
const (
	DefaultHistoryLimit     = 100                 // finished jobs kept per job type for History
	DefaultCompletedLimit   = 10_000              // completed and cancelled jobs kept findable by ID
	DefaultCompletedMaxAge  = 24 * time.Hour      // how long a completed or cancelled job stays findable by ID
	DefaultDeadLetterLimit  = 10_000              // jobs kept in the dead-letter queue
	DefaultDeadLetterMaxAge = 30 * 24 * time.Hour // how long a job stays in the dead-letter queue
)

// Retention is what a backend keeps of finished jobs, and for how long.
// It is decided here, once, and handed to every backend, which only
// applies it: as jobs finish, and when the scheduler's housekeeping
// (Maintainer.PromoteDue) trims by age. The Redis backend applies the
// limits per queue, the memory backend to the whole backend.
type Retention struct {
	// HistoryLimit is how many recently finished jobs of each job type
	// History keeps. At least 1.
	HistoryLimit int
	// CompletedLimit is how many completed (and, apart, cancelled) jobs
	// stay findable by ID; older ones are forgotten. 0 keeps none, as
	// asynq and Sidekiq do by default: a job is forgotten as it finishes,
	// and still counts in Stats and shows in History. A forgotten job's
	// unique key stays held until its TTL passes.
	CompletedLimit int
	// CompletedMaxAge forgets completed and cancelled jobs that finished
	// longer ago. Positive.
	CompletedMaxAge time.Duration
	// DeadLetterLimit is how many jobs the dead-letter queue keeps,
	// dropping the oldest. At least 1.
	DeadLetterLimit int
	// DeadLetterMaxAge drops dead letters that failed longer ago. Positive.
	DeadLetterMaxAge time.Duration
}

// DefaultRetention returns the retention every backend starts from.
func DefaultRetention() Retention {
	return Retention{
		HistoryLimit:     DefaultHistoryLimit,
		CompletedLimit:   DefaultCompletedLimit,
		CompletedMaxAge:  DefaultCompletedMaxAge,
		DeadLetterLimit:  DefaultDeadLetterLimit,
		DeadLetterMaxAge: DefaultDeadLetterMaxAge,
	}
}

// Validate reports the first value of r out of its range, as an error
// that matches ErrInvalidOption and names the value and the option that
// sets it.
func (r Retention) Validate() error {
	for _, c := range []struct {
		bad    bool
		option string
		value  any
		want   string
	}{
		{r.HistoryLimit < 1, "history limit (WithHistoryLimit)", r.HistoryLimit, "at least 1"},
		{r.CompletedLimit < 0, "completed limit (WithCompletedLimit)", r.CompletedLimit, "0 or more"},
		{r.CompletedMaxAge <= 0, "completed max age (WithCompletedMaxAge)", r.CompletedMaxAge, "positive"},
		{r.DeadLetterLimit < 1, "dead-letter limit (WithDeadLetterLimit)", r.DeadLetterLimit, "at least 1"},
		{r.DeadLetterMaxAge <= 0, "dead-letter max age (WithDeadLetterMaxAge)", r.DeadLetterMaxAge, "positive"},
	} {
		if c.bad {
			return fmt.Errorf("%w: %s is %v, must be %s", ErrInvalidOption, c.option, c.value, c.want)
		}
	}
	return nil
}
