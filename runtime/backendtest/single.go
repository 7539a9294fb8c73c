package backendtest

import (
	"context"
	"time"

	"github.com/jobsgo/jobs"
)

// enqueueOne is the backend's EnqueueOne when it has that capability
// (jobs.SingleEnqueuer), else Enqueue of one job: what the runtime Client
// calls for a lone Enqueue.
func (s *suite) enqueueOne(ctx context.Context, j jobs.Job) error {
	if one, ok := s.b.(jobs.SingleEnqueuer); ok {
		return one.EnqueueOne(ctx, j)
	}
	return s.b.Enqueue(ctx, j)
}

// testEnqueueOne covers EnqueueOne, the lone Enqueue of the runtime Client:
// each kind of job is stored as Enqueue stores it (read back whole, FIFO
// within its priority, a scheduled one kept back), and each refusal of
// Enqueue is EnqueueOne's too, storing nothing.
func testEnqueueOne(s *suite) {
	first := s.generated(jobs.WithQueue("one"))
	caller := s.newJob("one-by-id", jobs.WithQueue("one"))
	critical := s.generated(jobs.WithQueue("one"), jobs.WithPriority(jobs.PriorityCritical))
	later := s.generated(jobs.WithQueue("one"), jobs.RunIn(time.Hour))
	unique := s.typedJob("one-unique", "test.unique", `{"k":1}`, jobs.WithQueue("one"), jobs.Unique(0))
	for _, j := range []jobs.Job{first, caller, critical, later, unique} {
		if err := s.enqueueOne(s.ctx, j); err != nil {
			s.t.Fatalf("EnqueueOne(%s): %v", j.ID, err)
		}
		s.expectJob("job stored by EnqueueOne", s.find(j.ID), stale(j))
	}

	sameKey := s.typedJob("one-unique-2", "test.unique", `{"k":1}`, jobs.WithQueue("one"), jobs.Unique(0))
	s.expectHeld("EnqueueOne of a unique job whose key is held", s.enqueueOne(s.ctx, sameKey), unique.UniqueKey, unique.ID)
	s.expectMissing(sameKey.ID)
	s.expectErr("EnqueueOne of an ID in use", s.enqueueOne(s.ctx, stale(first)), jobs.ErrDuplicateJob)
	invalid := s.generated(jobs.WithQueue("one"))
	invalid.Type = ""
	s.expectErr("EnqueueOne of a job without a type", s.enqueueOne(s.ctx, invalid), jobs.ErrInvalidJob)
	s.expectMissing(invalid.ID)

	s.expectSize("one", 4)
	for _, id := range []string{critical.ID, first.ID, caller.ID, unique.ID} {
		s.dequeueOne("one", id)
	}
	s.expectEmpty("one")
	s.expectState(later.ID, jobs.StateScheduled, 0)
}
