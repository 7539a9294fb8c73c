// Package jobstest is the runtime of the mocks jobgen generates: the logic
// of a MockEnqueuer, written once and tested here, behind the thin typed
// methods of the generated code (as connect-go's generated stubs sit over a
// generic runtime).
//
// A mock holds one Journal and, per job type, one Recorder made with
// NewRecorder. A Recorder records the calls of its job type with their typed
// args and resolved options, returns the jobs the real Client would create
// (validated the same way), fails on demand, asserts on what was enqueued and
// answers Result with the outcome its Outcome function gives. The Journal is
// what the job types share: the order of every job enqueued, one lock and
// Reset.
package jobstest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// mockName starts the messages of assertions and errors: users see the
// generated type, not this package.
const mockName = "MockEnqueuer"

// Journal is the state a mock's recorders share: the jobs they enqueued, of
// every type, oldest first, and the lock that guards them and every
// Recorder made on the journal. Its zero value is ready to use and stamps
// jobs with the system clock. It is safe for concurrent use.
type Journal struct {
	clock *jobs.Clock

	mu        sync.Mutex
	jobs      []jobs.Job
	recorders []resetter
}

// resetter is a Recorder of any type, as its Journal resets it.
type resetter interface{ reset() }

// NewJournal returns an empty Journal that stamps jobs with *clock, read at
// each call (so a mock can pass the address of its Clock field); a nil clock
// or a nil *clock means the system clock.
func NewJournal(clock *jobs.Clock) *Journal {
	return &Journal{clock: clock}
}

// now is the time of a job created now. The caller holds j.mu.
func (j *Journal) now() time.Time {
	if j.clock != nil && *j.clock != nil {
		return (*j.clock).Now()
	}
	return runtime.SystemClock{}.Now()
}

// Jobs returns the jobs enqueued so far, of every type, oldest first.
func (j *Journal) Jobs() []jobs.Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.jobs)
}

// Reset forgets every job and, in every Recorder made on j, every call,
// injected error and outcome function.
func (j *Journal) Reset() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.jobs = nil
	for _, r := range j.recorders {
		r.reset()
	}
}

// AssertNothingEnqueued reports a test error if any job was enqueued. It
// returns whether none was.
func (j *Journal) AssertNothingEnqueued(t testing.TB) bool {
	t.Helper()
	batch := j.Jobs()
	if len(batch) == 0 {
		return true
	}
	seen := make([]string, len(batch))
	for i, job := range batch {
		seen[i] = job.Type + " " + string(job.Args)
	}
	t.Errorf("%s: want no job enqueued, got %d: %s", mockName, len(batch), describeCalls(seen))
	return false
}

// job finds a job any recorder of j enqueued.
func (j *Journal) job(id string) (jobs.Job, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, job := range j.jobs {
		if job.ID == id {
			return job, true
		}
	}
	return jobs.Job{}, false
}
