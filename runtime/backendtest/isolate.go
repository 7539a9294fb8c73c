package backendtest

import (
	"slices"
	"time"

	"github.com/jobsgo/jobs"
)

var isolateTests = []test{
	{"ChargesOnlyTheIsolatedJob", testChargesOnlyIsolated},
	{"RefundedJobIsSuspect", testRefundedJobIsSuspect},
	{"IsolateFencing", testIsolateFencing},
	{"RefundKeepsStaleWorkersOut", testRefundKeepsStaleWorkersOut},
	{"ReleaseClearsTheMark", testReleaseClearsTheMark},
}

// isolate marks the running job j as running alone.
func (s *suite) isolate(j jobs.Job) {
	s.t.Helper()
	if err := s.b.Isolate(s.ctx, j); err != nil {
		s.t.Fatalf("Isolate(%s attempt %d): %v", j.ID, j.Attempt, err)
	}
}

// testChargesOnlyIsolated: of jobs leased together whose leases expire, the
// one that ran alone loses its attempt (with no retries left it is dead),
// the others get theirs back, whatever retries they have left.
func testChargesOnlyIsolated(s *suite) {
	s.add("crasher", jobs.WithMaxRetries(0))
	s.add("bystander-1", jobs.WithMaxRetries(0))
	s.add("bystander-2", jobs.WithMaxRetries(1))
	batch := s.dequeue(jobs.DefaultQueue, 3)
	s.expectIDs("dequeued", batch, "crasher", "bystander-1", "bystander-2")
	s.isolate(batch[0])
	if got := s.find("crasher"); !got.Alone || got.State != jobs.StateRunning {
		s.t.Fatalf("isolated job: %s, alone %v; want running alone", got.State, got.Alone)
	}

	s.clock.Advance(lease + time.Second)
	s.recover(3)
	crasher := s.expectState("crasher", jobs.StateFailed, 1)
	if crasher.Error == nil || crasher.Error.Type != jobs.ErrorTypeLeaseExpired || crasher.Refunded != 0 || crasher.Alone {
		s.t.Fatalf("crasher: error %+v, refunded %d, alone %v; want lease_expired, 0, false", crasher.Error, crasher.Refunded, crasher.Alone)
	}
	for _, id := range []string{"bystander-1", "bystander-2"} {
		j := s.expectState(id, jobs.StatePending, 1)
		if j.Refunded != 1 || j.Charged() != 0 || j.RetriesLeft() != j.MaxRetries+1 || j.Error == nil || j.Error.Type != jobs.ErrorTypeLeaseExpired {
			s.t.Fatalf("%s: refunded %d, charged %d, %d retries left, error %+v; want 1, 0, %d, lease_expired",
				id, j.Refunded, j.Charged(), j.RetriesLeft(), j.Error, j.MaxRetries+1)
		}
	}
	if dead := s.deadLetters(jobs.DeadLetterQuery{}); len(dead) != 1 || dead[0].ID != "crasher" {
		s.t.Fatalf("dead letters %v, want [crasher]", ids(dead))
	}
	st := s.queueStats(s.stats(), jobs.DefaultQueue)
	if st.Failed != 3 || st.Pending != 2 || st.DeadLetters != 1 {
		s.t.Fatalf("queue figures %+v; want 3 failed attempts (every expiry), 2 pending, 1 dead letter", st)
	}
}

// testRefundedJobIsSuspect: a refunded job comes back from Dequeue as a
// suspect at the next attempt number, not alone, and once isolated its
// next expiry counts; it reaches the dead-letter queue after MaxRetries+1
// counted attempts.
func testRefundedJobIsSuspect(s *suite) {
	s.add("suspect", jobs.WithMaxRetries(1))
	s.dequeueOne(jobs.DefaultQueue, "suspect")
	s.clock.Advance(lease + time.Second)
	s.recover(1)

	for attempt := 2; attempt <= 3; attempt++ {
		run := s.dequeueOne(jobs.DefaultQueue, "suspect")
		if run.Attempt != attempt || run.Refunded != 1 || !run.Suspect() || run.Alone {
			s.t.Fatalf("attempt %d dequeued as attempt %d, refunded %d, suspect %v, alone %v; want %d, 1, true, false",
				attempt, run.Attempt, run.Refunded, run.Suspect(), run.Alone, attempt)
		}
		s.isolate(run)
		s.clock.Advance(lease + time.Second)
		s.recover(1)
	}
	j := s.expectState("suspect", jobs.StateFailed, 3)
	if j.Charged() != j.MaxRetries+1 || j.Refunded != 1 {
		s.t.Fatalf("dead suspect: charged %d, refunded %d; want %d, 1", j.Charged(), j.Refunded, j.MaxRetries+1)
	}
	back, err := s.b.RetryDeadLetter(s.ctx, "suspect")
	if err != nil {
		s.t.Fatalf("RetryDeadLetter: %v", err)
	}
	if back.Attempt != 0 || back.Refunded != 0 || back.Suspect() {
		s.t.Fatalf("requeued job: attempt %d, refunded %d; want a fresh job", back.Attempt, back.Refunded)
	}
}

// testIsolateFencing: only the attempt a worker runs can be isolated.
func testIsolateFencing(s *suite) {
	pending := s.add("fenced")
	s.expectErr("Isolate of a pending job", s.b.Isolate(s.ctx, pending), jobs.ErrLeaseLost)
	s.expectErr("Isolate of an unknown job", s.b.Isolate(s.ctx, s.newJob("unknown")), jobs.ErrLeaseLost)

	stale := s.dequeueOne(jobs.DefaultQueue, "fenced")
	s.clock.Advance(lease + time.Second)
	s.recover(1)
	s.expectErr("Isolate after the lease was recovered", s.b.Isolate(s.ctx, stale), jobs.ErrLeaseLost)
	current := s.dequeueOne(jobs.DefaultQueue, "fenced")
	s.expectErr("Isolate of the stale attempt", s.b.Isolate(s.ctx, stale), jobs.ErrLeaseLost)
	if s.find("fenced").Alone {
		s.t.Fatal("a refused Isolate marked the job")
	}
	s.isolate(current)
	done := s.complete(current)
	if got := s.find("fenced"); got.Alone || got.State != jobs.StateCompleted {
		s.t.Fatalf("completed job: %s, alone %v; want completed, not alone", got.State, got.Alone)
	}
	s.expectErr("Isolate of a finished job", s.b.Isolate(s.ctx, done), jobs.ErrLeaseLost)
}

// testRefundKeepsStaleWorkersOut: a refund keeps the attempt number, so a
// worker that hung past its lease cannot report on, extend or isolate the
// attempt that runs the job now.
func testRefundKeepsStaleWorkersOut(s *suite) {
	s.add("hung")
	stale := s.dequeueOne(jobs.DefaultQueue, "hung")
	s.clock.Advance(lease + time.Second)
	s.recover(1)
	current := s.dequeueOne(jobs.DefaultQueue, "hung")
	if current.Attempt == stale.Attempt {
		s.t.Fatalf("the refunded job runs again at attempt %d, the number of the lost lease", current.Attempt)
	}
	lost, err := s.b.ExtendLeases(s.ctx, []jobs.Job{stale}, s.clock.Now().Add(lease))
	if err != nil || !slices.Equal(lost, []string{"hung"}) {
		s.t.Fatalf("ExtendLeases(stale) = %v, %v; want [hung] lost", lost, err)
	}
	s.expectErr("Isolate of the stale attempt", s.b.Isolate(s.ctx, stale), jobs.ErrLeaseLost)
	s.expectErr("Ack of the stale attempt", s.b.Ack(s.ctx, mustComplete(s, stale)), jobs.ErrLeaseLost)
	s.expectState("hung", jobs.StateRunning, current.Attempt)
	s.complete(current)
}

// testReleaseClearsTheMark: a released job's next attempt, which reuses
// the attempt number, is not marked as running alone.
func testReleaseClearsTheMark(s *suite) {
	s.add("released")
	run := s.dequeueOne(jobs.DefaultQueue, "released")
	s.isolate(run)
	back, err := run.Release(s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	s.ack(back)
	again := s.dequeueOne(jobs.DefaultQueue, "released")
	if again.Attempt != run.Attempt || again.Alone || s.find("released").Alone {
		s.t.Fatalf("after a release: attempt %d, alone %v; want %d, not alone", again.Attempt, again.Alone, run.Attempt)
	}
	s.clock.Advance(lease + time.Second)
	s.recover(1)
	if j := s.expectState("released", jobs.StatePending, again.Attempt); j.Refunded != 1 {
		s.t.Fatalf("expiry of the unmarked attempt: refunded %d, want 1", j.Refunded)
	}
}
