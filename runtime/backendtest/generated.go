package backendtest

import (
	"time"

	"github.com/jobsgo/jobs"
)

// generated makes a valid job with an ID that NewJob generates, marked
// FreshID as the runtime Client sends it.
func (s *suite) generated(opts ...jobs.EnqueueOption) jobs.Job {
	s.t.Helper()
	j, err := jobs.NewJob("test.job", []byte(`{"generated":true}`), jobs.ResolveEnqueueOptions(opts...), s.clock.Now())
	if err != nil {
		s.t.Fatalf("NewJob: %v", err)
	}
	if !jobs.GeneratedIDForm(j.ID) {
		s.t.Fatalf("NewJob generated ID %q, which GeneratedIDForm does not recognise", j.ID)
	}
	j.FreshID = true
	return j
}

// stale returns j as a job enqueued again (FreshID cleared), which the
// backend must check.
func stale(j jobs.Job) jobs.Job {
	j.FreshID = false
	return j
}

// testGeneratedIDs covers jobs whose IDs NewJob generates, which a backend
// may find without an ID index: every call that takes an ID alone must
// still find them, whichever queue holds them. They are enqueued marked
// FreshID, alone, in a batch and by concurrent calls, and read back as
// enqueued (attempt 0, due when created); the same jobs enqueued again,
// not marked, are refused as duplicates.
func testGeneratedIDs(s *suite) {
	pending := s.generated()
	emails := s.generated(jobs.WithQueue("emails"), jobs.WithPriority(jobs.PriorityHigh))
	scheduled := s.generated(jobs.WithQueue("other"), jobs.RunIn(time.Hour))
	doomed := s.generated(jobs.WithQueue("emails"), jobs.WithMaxRetries(0))
	s.enqueue(pending)
	s.enqueue(emails, scheduled, doomed)
	concurrent := make([]jobs.Job, 8)
	errs := make(chan error, len(concurrent))
	for i := range concurrent {
		concurrent[i] = s.generated(jobs.WithQueue("busy"))
		go func(j jobs.Job) { errs <- s.b.Enqueue(s.ctx, j) }(concurrent[i])
	}
	for range concurrent {
		if err := <-errs; err != nil {
			s.t.Fatalf("concurrent Enqueue of a generated ID: %v", err)
		}
	}
	for _, j := range append([]jobs.Job{pending, emails, scheduled, doomed}, concurrent...) {
		s.expectJob("job with a generated ID", s.find(j.ID), stale(j))
	}
	s.expectErr("Enqueue of a generated ID in use", s.b.Enqueue(s.ctx, stale(pending)), jobs.ErrDuplicateJob)
	s.expectErr("Enqueue batch with a generated ID in use", s.b.Enqueue(s.ctx, s.generated(), stale(emails)), jobs.ErrDuplicateJob)
	s.expectSize(jobs.DefaultQueue, 1)
	s.expectSize("emails", 2)
	s.expectSize("busy", len(concurrent))

	s.complete(s.dequeueOne(jobs.DefaultQueue, pending.ID))
	s.expectState(pending.ID, jobs.StateCompleted, 1)
	s.expectErr("Enqueue of a finished job's generated ID", s.b.Enqueue(s.ctx, stale(pending)), jobs.ErrDuplicateJob)

	s.dequeueOne("emails", emails.ID)
	s.fail(s.dequeueOne("emails", doomed.ID))
	s.expectState(doomed.ID, jobs.StateFailed, 1)
	if _, err := s.b.RetryDeadLetter(s.ctx, doomed.ID); err != nil {
		s.t.Fatalf("RetryDeadLetter(%s): %v", doomed.ID, err)
	}
	s.expectState(doomed.ID, jobs.StatePending, 0)

	if _, err := s.b.Cancel(s.ctx, scheduled.ID); err != nil {
		s.t.Fatalf("Cancel(%s): %v", scheduled.ID, err)
	}
	s.expectState(scheduled.ID, jobs.StateCancelled, 0)
	if err := s.b.Delete(s.ctx, doomed.ID); err != nil {
		s.t.Fatalf("Delete(%s): %v", doomed.ID, err)
	}
	s.expectErr("Job after Delete", func() error { _, err := s.b.Job(s.ctx, doomed.ID); return err }(), jobs.ErrJobNotFound)
	s.expectErr("Job of an unknown generated ID", func() error { _, err := s.b.Job(s.ctx, s.generated().ID); return err }(), jobs.ErrJobNotFound)
}
