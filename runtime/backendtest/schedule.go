package backendtest

import (
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
)

var scheduleTests = []test{
	{"ScheduledWaitsForItsTime", testScheduled},
	{"PromoteDueEarliestFirst", testPromoteOrder},
	{"RetryingWaitsForBackoff", testRetrying},
}

func testScheduled(s *suite) {
	s.add("in-1m", jobs.RunIn(time.Minute))
	s.add("in-10m", jobs.RunIn(10*time.Minute))
	s.add("at-10m30s", jobs.RunAt(Start.Add(10*time.Minute+30*time.Second)))
	s.add("now")
	s.expectState("in-1m", jobs.StateScheduled, 0)
	s.expectSize(jobs.DefaultQueue, 1)
	s.dequeueOne(jobs.DefaultQueue, "now")
	s.expectEmpty(jobs.DefaultQueue)

	steps := []struct {
		advance time.Duration
		moved   int
		pending []string
	}{
		{0, 0, nil},
		{59 * time.Second, 0, nil},
		{time.Second, 1, []string{"in-1m"}}, // due exactly at its execute-at time
		{9*time.Minute - time.Millisecond, 0, nil},
		{time.Millisecond, 1, []string{"in-10m"}},
		{29 * time.Second, 0, nil},
		{time.Hour, 1, []string{"at-10m30s"}},
		{time.Hour, 0, nil},
	}
	for i, st := range steps {
		s.clock.Advance(st.advance)
		s.promote(st.moved)
		for _, id := range st.pending {
			s.expectState(id, jobs.StatePending, 0)
		}
		s.expectSize(jobs.DefaultQueue, len(st.pending))
		if len(st.pending) == 0 {
			s.expectEmpty(jobs.DefaultQueue)
			continue
		}
		got := s.dequeue(jobs.DefaultQueue, 10)
		s.expectIDs(fmt.Sprintf("jobs promoted at step %d", i), got, st.pending...)
	}
}

func testPromoteOrder(s *suite) {
	// Enqueued in the reverse of their execute-at order; promoted jobs join
	// the back of their queue earliest first, behind what is pending.
	s.add("third", jobs.RunIn(3*time.Minute))
	s.add("second", jobs.RunIn(2*time.Minute))
	s.add("first", jobs.RunIn(time.Minute))
	s.add("other-queue", jobs.RunIn(time.Minute), jobs.WithQueue("other"))
	s.clock.Advance(2 * time.Minute)
	s.add("already-pending")
	s.clock.Advance(2 * time.Minute)
	s.promote(4)
	var got []jobs.Job
	for range 4 {
		got = append(got, s.dequeue(jobs.DefaultQueue, 1)...)
	}
	s.expectIDs("order after promotion", got, "already-pending", "first", "second", "third")
	s.expectIDs("other queue", s.dequeue("other", 10), "other-queue")
}

func testRetrying(s *suite) {
	s.add("flaky", jobs.WithMaxRetries(2))
	run := s.dequeueOne(jobs.DefaultQueue, "flaky")
	s.clock.Advance(time.Second)
	r := s.retry(run, 30*time.Second)
	stored := s.expectState("flaky", jobs.StateRetrying, 1)
	s.expectJob("stored retrying job", stored, r)
	if stored.Error == nil || stored.Error.Message != "try again" {
		s.t.Fatalf("retrying job's error = %+v, want the attempt's error", stored.Error)
	}
	s.expectSize(jobs.DefaultQueue, 0)
	s.expectEmpty(jobs.DefaultQueue)

	s.clock.Advance(29 * time.Second)
	s.promote(0)
	s.expectEmpty(jobs.DefaultQueue)
	s.clock.Advance(time.Second)
	s.promote(1)
	s.expectState("flaky", jobs.StatePending, 1)
	s.expectSize(jobs.DefaultQueue, 1)

	second := s.dequeueOne(jobs.DefaultQueue, "flaky")
	if second.Attempt != 2 {
		s.t.Fatalf("second attempt has Attempt %d, want 2", second.Attempt)
	}
	s.clock.Advance(time.Second)
	s.retry(second, time.Minute)
	s.clock.Advance(time.Minute)
	s.promote(1)
	last := s.dequeueOne(jobs.DefaultQueue, "flaky")
	if last.Attempt != 3 || last.RetriesLeft() != 0 {
		s.t.Fatalf("third attempt: Attempt %d, RetriesLeft %d; want 3, 0", last.Attempt, last.RetriesLeft())
	}
	s.complete(last)
	s.expectState("flaky", jobs.StateCompleted, 3)
}
