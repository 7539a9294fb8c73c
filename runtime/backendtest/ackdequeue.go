package backendtest

import (
	"time"

	"github.com/jobsgo/jobs"
)

var ackDequeueTests = []test{
	{"NextJob", testAckDequeueNext},
	{"LeaseLost", testAckDequeueLeaseLost},
	{"PausedOrEmpty", testAckDequeuePaused},
	{"PromotesDueJobs", testAckDequeueDue},
}

// ackDequeuer returns the backend's AckDequeuer; the group is skipped for a
// backend without the capability (the pool then stores outcomes with Ack).
func (s *suite) ackDequeuer() jobs.AckDequeuer {
	s.t.Helper()
	ad, ok := s.b.(jobs.AckDequeuer)
	if !ok {
		s.t.Skip("the backend does not implement jobs.AckDequeuer")
	}
	return ad
}

// ackDequeue stores outcome and expects the IDs of the jobs leased with it.
func (s *suite) ackDequeue(outcome jobs.Job, want ...string) []jobs.Job {
	s.t.Helper()
	batch, err := s.ackDequeuer().AckDequeue(s.ctx, outcome, lease)
	if err != nil {
		s.t.Fatalf("AckDequeue(%s %s): %v", outcome.ID, outcome.State, err)
	}
	s.expectIDs("AckDequeue("+outcome.ID+")", batch, want...)
	return batch
}

// testAckDequeueNext: each outcome stored takes the next job, by priority,
// started with a lease; the last finds none.
func testAckDequeueNext(s *suite) {
	s.ackDequeuer()
	s.add("first")
	first := s.dequeueOne(jobs.DefaultQueue, "first")
	s.add("low", jobs.WithPriority(jobs.PriorityLow))
	s.add("critical", jobs.WithPriority(jobs.PriorityCritical))
	s.add("other-queue", jobs.WithQueue("other"))

	s.clock.Advance(time.Second)
	critical := s.ackDequeue(s.completed(first), "critical")[0]
	s.expectState("first", jobs.StateCompleted, 1)
	if critical.State != jobs.StateRunning || critical.Attempt != 1 ||
		!critical.StartedAt.Equal(s.clock.Now()) || !critical.LeaseUntil.Equal(s.clock.Now().Add(lease)) {
		s.t.Fatalf("leased job: %s attempt %d started %v lease %v; want running attempt 1 started now with a lease of %s",
			critical.State, critical.Attempt, critical.StartedAt, critical.LeaseUntil, lease)
	}
	s.expectState("critical", jobs.StateRunning, 1)

	low := s.ackDequeue(s.completed(critical), "low")[0]
	s.ackDequeue(s.completed(low))
	s.expectState("low", jobs.StateCompleted, 1)
	s.expectState("other-queue", jobs.StatePending, 0)
	st, err := s.b.Stats(s.ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	if st.Processed != 3 || st.Succeeded != 3 {
		s.t.Fatalf("stats processed %d succeeded %d, want 3 and 3", st.Processed, st.Succeeded)
	}
}

// testAckDequeueLeaseLost: a stale outcome is refused with ErrLeaseLost,
// and the job leased in the same call is still returned.
func testAckDequeueLeaseLost(s *suite) {
	ad := s.ackDequeuer()
	s.add("fenced")
	stale := s.dequeueOne(jobs.DefaultQueue, "fenced")
	s.clock.Advance(lease + time.Second)
	s.recover(1)
	current := s.dequeueOne(jobs.DefaultQueue, "fenced")
	s.add("next")

	batch, err := ad.AckDequeue(s.ctx, s.completed(stale), lease)
	s.expectErr("AckDequeue of a stale outcome", err, jobs.ErrLeaseLost)
	s.expectIDs("jobs leased with a stale outcome", batch, "next")
	s.expectState("fenced", jobs.StateRunning, current.Attempt)
	s.expectState("next", jobs.StateRunning, 1)
}

// testAckDequeuePaused: on a paused queue the outcome is stored and no job
// is leased; on an empty one the call does not block.
func testAckDequeuePaused(s *suite) {
	s.ackDequeuer()
	s.add("running")
	s.add("waiting")
	running := s.dequeueOne(jobs.DefaultQueue, "running")
	if err := s.b.PauseQueue(s.ctx, jobs.DefaultQueue); err != nil {
		s.t.Fatalf("PauseQueue: %v", err)
	}
	s.ackDequeue(s.completed(running))
	s.expectState("running", jobs.StateCompleted, 1)
	s.expectState("waiting", jobs.StatePending, 0)

	if err := s.b.ResumeQueue(s.ctx, jobs.DefaultQueue); err != nil {
		s.t.Fatalf("ResumeQueue: %v", err)
	}
	waiting := s.dequeueOne(jobs.DefaultQueue, "waiting")
	s.ackDequeue(s.completed(waiting)) // empty: returns at once
}

// testAckDequeueDue: a scheduled job that is due is promoted and leased.
func testAckDequeueDue(s *suite) {
	s.ackDequeuer()
	s.add("now")
	s.add("later", jobs.RunAt(s.clock.Now().Add(time.Minute)))
	now := s.dequeueOne(jobs.DefaultQueue, "now")
	s.clock.Advance(time.Minute)
	s.ackDequeue(s.completed(now), "later")
}
