package backendtest

import (
	"time"

	"github.com/jobsgo/jobs/runtime"
)

var ackDequeueTests = []test{
	{"NextJob", testAckDequeueNext},
	{"LeaseLost", testAckDequeueLeaseLost},
	{"PausedOrEmpty", testAckDequeuePaused},
	{"PromotesDueJobs", testAckDequeueDue},
}

// ackDequeuer returns the backend's AckDequeuer; the group is skipped for a
// backend without the capability (the pool then stores outcomes with Ack).
func (s *suite) ackDequeuer() runtime.AckDequeuer {
	s.t.Helper()
	ad, ok := s.b.(runtime.AckDequeuer)
	if !ok {
		s.t.Skip("the backend does not implement runtime.AckDequeuer")
	}
	return ad
}

// ackDequeue stores outcome and expects the IDs of the jobs leased with it.
func (s *suite) ackDequeue(outcome runtime.Job, want ...string) []runtime.Job {
	s.t.Helper()
	jobs, err := s.ackDequeuer().AckDequeue(s.ctx, outcome, lease)
	if err != nil {
		s.t.Fatalf("AckDequeue(%s %s): %v", outcome.ID, outcome.State, err)
	}
	s.expectIDs("AckDequeue("+outcome.ID+")", jobs, want...)
	return jobs
}

// testAckDequeueNext: each outcome stored takes the next job, by priority,
// started with a lease; the last finds none.
func testAckDequeueNext(s *suite) {
	s.ackDequeuer()
	s.add("first")
	first := s.dequeueOne(runtime.DefaultQueue, "first")
	s.add("low", runtime.WithPriority(runtime.PriorityLow))
	s.add("critical", runtime.WithPriority(runtime.PriorityCritical))
	s.add("other-queue", runtime.WithQueue("other"))

	s.clock.Advance(time.Second)
	critical := s.ackDequeue(s.completed(first), "critical")[0]
	s.expectState("first", runtime.StateCompleted, 1)
	if critical.State != runtime.StateRunning || critical.Attempt != 1 ||
		!critical.StartedAt.Equal(s.clock.Now()) || !critical.LeaseUntil.Equal(s.clock.Now().Add(lease)) {
		s.t.Fatalf("leased job: %s attempt %d started %v lease %v; want running attempt 1 started now with a lease of %s",
			critical.State, critical.Attempt, critical.StartedAt, critical.LeaseUntil, lease)
	}
	s.expectState("critical", runtime.StateRunning, 1)

	low := s.ackDequeue(s.completed(critical), "low")[0]
	s.ackDequeue(s.completed(low))
	s.expectState("low", runtime.StateCompleted, 1)
	s.expectState("other-queue", runtime.StatePending, 0)
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
	stale := s.dequeueOne(runtime.DefaultQueue, "fenced")
	s.clock.Advance(lease + time.Second)
	s.recover(1)
	current := s.dequeueOne(runtime.DefaultQueue, "fenced")
	s.add("next")

	jobs, err := ad.AckDequeue(s.ctx, s.completed(stale), lease)
	s.expectErr("AckDequeue of a stale outcome", err, runtime.ErrLeaseLost)
	s.expectIDs("jobs leased with a stale outcome", jobs, "next")
	s.expectState("fenced", runtime.StateRunning, current.Attempt)
	s.expectState("next", runtime.StateRunning, 1)
}

// testAckDequeuePaused: on a paused queue the outcome is stored and no job
// is leased; on an empty one the call does not block.
func testAckDequeuePaused(s *suite) {
	s.ackDequeuer()
	s.add("running")
	s.add("waiting")
	running := s.dequeueOne(runtime.DefaultQueue, "running")
	if err := s.b.PauseQueue(s.ctx, runtime.DefaultQueue); err != nil {
		s.t.Fatalf("PauseQueue: %v", err)
	}
	s.ackDequeue(s.completed(running))
	s.expectState("running", runtime.StateCompleted, 1)
	s.expectState("waiting", runtime.StatePending, 0)

	if err := s.b.ResumeQueue(s.ctx, runtime.DefaultQueue); err != nil {
		s.t.Fatalf("ResumeQueue: %v", err)
	}
	waiting := s.dequeueOne(runtime.DefaultQueue, "waiting")
	s.ackDequeue(s.completed(waiting)) // empty: returns at once
}

// testAckDequeueDue: a scheduled job that is due is promoted and leased.
func testAckDequeueDue(s *suite) {
	s.ackDequeuer()
	s.add("now")
	s.add("later", runtime.RunAt(s.clock.Now().Add(time.Minute)))
	now := s.dequeueOne(runtime.DefaultQueue, "now")
	s.clock.Advance(time.Minute)
	s.ackDequeue(s.completed(now), "later")
}
