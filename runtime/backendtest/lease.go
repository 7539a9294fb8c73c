package backendtest

import (
	"slices"
	"time"

	"github.com/jobsgo/jobs"
)

var leaseTests = []test{
	{"AckFencing", testAckFencing},
	{"LeaseExpiry", testLeaseExpiry},
	{"ExtendLeases", testExtendLeases},
	{"Release", testRelease},
	{"AckCancelledRunningJob", testAckCancelled},
}

func testAckFencing(s *suite) {
	pending := s.add("fenced", jobs.WithMaxRetries(3))
	if err := s.b.Ack(s.ctx, pending); err == nil {
		s.t.Fatal("Ack of a job that was never dequeued succeeded")
	}
	s.expectErr("Ack of an unknown job", s.b.Ack(s.ctx, s.newJob("unknown")), jobs.ErrLeaseLost)

	stale := s.dequeueOne(jobs.DefaultQueue, "fenced")
	s.clock.Advance(lease + time.Second)
	s.recover(1)
	current := s.dequeueOne(jobs.DefaultQueue, "fenced")
	if current.Attempt != 2 {
		s.t.Fatalf("attempt after lease expiry = %d, want 2", current.Attempt)
	}

	now := s.clock.Now()
	staleDone, err := stale.Complete(nil, now)
	if err != nil {
		s.t.Fatal(err)
	}
	staleRetry, err := stale.PrepareRetry(jobs.JobError{Message: "x"}, now.Add(time.Minute), now)
	if err != nil {
		s.t.Fatal(err)
	}
	staleFail, err := stale.Fail(jobs.JobError{Message: "x"}, now)
	if err != nil {
		s.t.Fatal(err)
	}
	staleRelease, err := stale.Release(now)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, j := range []jobs.Job{staleDone, staleRetry, staleFail, staleRelease} {
		s.expectErr("Ack of a stale "+string(j.State)+" outcome", s.b.Ack(s.ctx, j), jobs.ErrLeaseLost)
	}
	s.expectState("fenced", jobs.StateRunning, 2)

	s.complete(current)
	s.expectState("fenced", jobs.StateCompleted, 2)
	done, err := current.Complete(nil, now)
	if err != nil {
		s.t.Fatal(err)
	}
	s.expectErr("second Ack of one attempt", s.b.Ack(s.ctx, done), jobs.ErrLeaseLost)
}

func testLeaseExpiry(s *suite) {
	cases := []struct {
		name       string
		maxRetries int
		attempts   int  // attempts started before the lease expires
		alone      bool // each attempt runs alone (Isolate): its expiry counts
		state      jobs.State
		dead       int
	}{
		{"retries left", 2, 1, true, jobs.StatePending, 0},
		{"last retry", 2, 3, true, jobs.StateFailed, 1},
		{"no retries", 0, 1, true, jobs.StateFailed, 1},
		{"no retries, beside others", 0, 1, false, jobs.StatePending, 0},
		{"last retry, beside others", 2, 3, false, jobs.StatePending, 0},
	}
	for _, c := range cases {
		s.each(c.name, func(s *suite) {
			s.add("lost", jobs.WithMaxRetries(c.maxRetries))
			var run jobs.Job
			for range c.attempts {
				run = s.dequeueOne(jobs.DefaultQueue, "lost")
				if c.alone {
					s.isolate(run)
				}
				if run.Attempt < c.attempts {
					s.clock.Advance(lease + time.Second)
					s.recover(1)
				}
			}
			s.clock.Advance(lease - time.Second)
			s.recover(0)
			s.expectState("lost", jobs.StateRunning, c.attempts)
			s.clock.Advance(2 * time.Second)
			s.recover(1)
			s.recover(0)
			got := s.expectState("lost", c.state, c.attempts)
			if got.Error == nil || got.Error.Type != jobs.ErrorTypeLeaseExpired {
				s.t.Fatalf("error of the recovered job = %+v, want type %s", got.Error, jobs.ErrorTypeLeaseExpired)
			}
			dead, err := s.b.DeadLetters(s.ctx, jobs.DeadLetterQuery{})
			if err != nil {
				s.t.Fatal(err)
			}
			if len(dead) != c.dead {
				s.t.Fatalf("%d dead letters, want %d", len(dead), c.dead)
			}
			s.expectErr("Ack after the lease expired", s.b.Ack(s.ctx, mustComplete(s, run)), jobs.ErrLeaseLost)
			if c.state == jobs.StatePending {
				again := s.dequeueOne(jobs.DefaultQueue, "lost")
				if again.Attempt != c.attempts+1 {
					s.t.Fatalf("attempt after recovery = %d, want %d", again.Attempt, c.attempts+1)
				}
			} else {
				s.expectEmpty(jobs.DefaultQueue)
			}
		})
	}
}

// mustComplete returns j completed now.
func mustComplete(s *suite, j jobs.Job) jobs.Job {
	s.t.Helper()
	done, err := j.Complete(nil, s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	return done
}

func testExtendLeases(s *suite) {
	s.add("kept")
	s.add("dropped")
	batch := s.dequeue(jobs.DefaultQueue, 2)
	s.expectIDs("dequeued", batch, "kept", "dropped")
	kept, dropped := batch[0], batch[1]

	s.clock.Advance(20 * time.Second)
	until := s.clock.Now().Add(lease)
	lost, err := s.b.ExtendLeases(s.ctx, []jobs.Job{kept}, until)
	if err != nil || len(lost) != 0 {
		s.t.Fatalf("ExtendLeases(kept) = %v, %v; want nothing lost", lost, err)
	}
	if got := s.find("kept").LeaseUntil; !got.Equal(until) {
		s.t.Fatalf("extended lease ends at %s, want %s", got, until)
	}

	s.clock.Advance(20 * time.Second) // past the first lease, inside the extended one
	s.recover(1)
	s.expectState("kept", jobs.StateRunning, 1)
	s.expectState("dropped", jobs.StatePending, 1)

	s.complete(s.dequeueOne(jobs.DefaultQueue, "dropped"))
	lost, err = s.b.ExtendLeases(s.ctx, []jobs.Job{kept, dropped, s.newJob("unknown")}, s.clock.Now().Add(lease))
	if err != nil {
		s.t.Fatalf("ExtendLeases: %v", err)
	}
	slices.Sort(lost)
	if !slices.Equal(lost, []string{"dropped", "unknown"}) {
		s.t.Fatalf("ExtendLeases lost %v, want [dropped unknown]", lost)
	}
	s.complete(kept)
}

func testRelease(s *suite) {
	s.add("released", jobs.WithMaxRetries(0))
	run := s.dequeueOne(jobs.DefaultQueue, "released")
	s.clock.Advance(time.Second)
	back, err := run.Release(s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	s.ack(back)
	s.expectState("released", jobs.StatePending, 0)
	s.expectSize(jobs.DefaultQueue, 1)
	s.expectErr("second Ack of a release", s.b.Ack(s.ctx, back), jobs.ErrLeaseLost)

	again := s.dequeueOne(jobs.DefaultQueue, "released")
	if again.Attempt != 1 || again.RetriesLeft() != 0 {
		s.t.Fatalf("after a release: Attempt %d, RetriesLeft %d; want 1, 0", again.Attempt, again.RetriesLeft())
	}
	s.complete(again)
}

func testAckCancelled(s *suite) {
	s.add("stopped")
	run := s.dequeueOne(jobs.DefaultQueue, "stopped")
	cancelled, err := run.Cancel(s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	s.ack(cancelled)
	s.expectState("stopped", jobs.StateCancelled, 1)
	s.expectSize(jobs.DefaultQueue, 0)
	s.clock.Advance(time.Hour)
	s.promote(0)
	s.recover(0)
	s.expectEmpty(jobs.DefaultQueue)
}
