package backendtest

import (
	"context"
	"slices"
	"time"

	"github.com/jobsgo/jobs"
)

var cancelTests = []test{
	{"RunningJob", testCancelRunning},
	{"OnlyRunningJobsNotify", testCancelNotifies},
	{"SubscriptionEndsWithContext", testCancelSubscriptionEnds},
	{"Refusals", testCancelRefusals},
}

// subscribe subscribes to cancellations of running jobs until ctx is done.
func (s *suite) subscribe(ctx context.Context) <-chan string {
	s.t.Helper()
	ch, err := s.b.CancelledJobs(ctx)
	if err != nil {
		s.t.Fatalf("CancelledJobs: %v", err)
	}
	return ch
}

// expectNotified checks that the next ID ch delivers, within promptly, is id.
func (s *suite) expectNotified(what string, ch <-chan string, id string) {
	s.t.Helper()
	select {
	case got, ok := <-ch:
		if !ok {
			s.t.Fatalf("%s: the channel is closed, want %s", what, id)
		}
		if got != id {
			s.t.Fatalf("%s: got %s, want %s", what, got, id)
		}
	case <-time.After(promptly):
		s.t.Fatalf("%s: nothing within %s, want %s", what, promptly, id)
	}
}

// expectQuiet checks that ch delivers nothing for a while.
func (s *suite) expectQuiet(what string, ch <-chan string) {
	s.t.Helper()
	select {
	case got, ok := <-ch:
		s.t.Fatalf("%s: got %q (open: %t), want nothing", what, got, ok)
	case <-time.After(emptyWait):
	}
}

// cancel cancels a job and returns it.
func (s *suite) cancel(id string) jobs.Job {
	s.t.Helper()
	j, err := s.b.Cancel(s.ctx, id)
	if err != nil {
		s.t.Fatalf("Cancel(%s): %v", id, err)
	}
	return j
}

func testCancelRunning(s *suite) {
	first, second := s.subscribe(s.ctx), s.subscribe(s.ctx)
	s.add("victim", jobs.WithMaxRetries(3))
	s.add("bystander")
	batch := s.dequeue(jobs.DefaultQueue, 2)
	s.expectIDs("dequeued", batch, "victim", "bystander")
	run, other := batch[0], batch[1]

	s.clock.Advance(time.Second)
	got := s.cancel("victim")
	if got.State != jobs.StateCancelled || got.Attempt != 1 || !got.FinishedAt.Equal(s.clock.Now()) || !got.LeaseUntil.IsZero() {
		s.t.Fatalf("cancelled running job: %s at attempt %d, finished at %s, lease until %s; want cancelled at attempt 1, finished now, no lease",
			got.State, got.Attempt, got.FinishedAt, got.LeaseUntil)
	}
	s.expectJob("stored cancelled job", s.find("victim"), got)
	s.expectNotified("first subscriber", first, "victim")
	s.expectNotified("second subscriber", second, "victim")

	// The worker that held it can no longer report on it.
	now := s.clock.Now()
	outcomes := map[string]func() (jobs.Job, error){
		"complete": func() (jobs.Job, error) { return run.Complete(nil, now) },
		"retry": func() (jobs.Job, error) {
			return run.PrepareRetry(jobs.JobError{Message: "x"}, now, now)
		},
		"fail":    func() (jobs.Job, error) { return run.Fail(jobs.JobError{Message: "x"}, now) },
		"release": func() (jobs.Job, error) { return run.Release(now) },
		"cancel":  func() (jobs.Job, error) { return run.Cancel(now) },
	}
	for name, outcome := range outcomes {
		j, err := outcome()
		if err != nil {
			s.t.Fatal(err)
		}
		s.expectErr("Ack ("+name+") of a job cancelled while running", s.b.Ack(s.ctx, j), jobs.ErrLeaseLost)
	}
	lost, err := s.b.ExtendLeases(s.ctx, []jobs.Job{run, other}, now.Add(lease))
	if err != nil || !slices.Equal(lost, []string{"victim"}) {
		s.t.Fatalf("ExtendLeases = %v, %v; want [victim] lost", lost, err)
	}
	s.expectJob("cancelled job after the worker's reports", s.find("victim"), got)
	if q := s.queueStats(s.stats(), jobs.DefaultQueue); q.Running != 1 || q.Pending != 0 {
		s.t.Fatalf("queue figures after the cancel: %+v; want 1 running (the bystander), nothing pending", q)
	}

	// Only the bystander's lease can expire; the cancelled job never runs again.
	s.clock.Advance(lease + time.Hour)
	s.recover(1)
	s.promote(0)
	if again := s.dequeueOne(jobs.DefaultQueue, "bystander"); again.Attempt != 2 {
		s.t.Fatalf("bystander runs again at attempt %d, want 2", again.Attempt)
	}
	s.expectEmpty(jobs.DefaultQueue)
	s.expectJob("cancelled job at the end", s.find("victim"), got)
}

func testCancelNotifies(s *suite) {
	early := s.subscribe(s.ctx)
	s.add("retrying")
	s.retry(s.dequeueOne(jobs.DefaultQueue, "retrying"), time.Minute)
	s.add("pending")
	s.add("scheduled", jobs.RunIn(time.Minute))
	for _, id := range []string{"pending", "scheduled", "retrying"} {
		s.cancel(id)
	}
	s.add("running-1")
	s.dequeueOne(jobs.DefaultQueue, "running-1")
	s.cancel("running-1")
	s.expectNotified("after cancelling waiting jobs and a running one", early, "running-1")
	s.expectQuiet("after one running job was cancelled", early)

	late := s.subscribe(s.ctx)
	s.add("running-2")
	s.dequeueOne(jobs.DefaultQueue, "running-2")
	s.cancel("running-2")
	s.expectNotified("early subscriber", early, "running-2")
	s.expectNotified("late subscriber, which missed running-1", late, "running-2")

	_, err := s.b.Cancel(s.ctx, "running-2")
	s.expectErr("second Cancel", err, jobs.ErrInvalidTransition)
	s.expectQuiet("after a refused cancel", early)

	// The cancelled waiting jobs never run.
	s.clock.Advance(time.Hour)
	s.promote(0)
	s.expectEmpty(jobs.DefaultQueue)
	for _, id := range []string{"pending", "scheduled", "retrying"} {
		if j := s.find(id); j.State != jobs.StateCancelled {
			s.t.Fatalf("job %s is %s, want cancelled", id, j.State)
		}
	}
}

func testCancelSubscriptionEnds(s *suite) {
	ctx, cancel := context.WithCancel(s.ctx)
	ended := s.subscribe(ctx)
	kept := s.subscribe(s.ctx)
	cancel()
	deadline := time.After(promptly)
	for open := true; open; {
		select {
		case _, open = <-ended:
		case <-deadline:
			s.t.Fatalf("channel still open %s after its context was cancelled", promptly)
		}
	}
	s.add("running")
	s.dequeueOne(jobs.DefaultQueue, "running")
	s.cancel("running")
	s.expectNotified("subscriber whose context is live", kept, "running")
}

func testCancelRefusals(s *suite) {
	s.add("done")
	s.complete(s.dequeueOne(jobs.DefaultQueue, "done"))
	s.deadLetter("dead")
	s.add("stopped")
	s.dequeueOne(jobs.DefaultQueue, "stopped")
	s.cancel("stopped")
	cases := []struct {
		id  string
		err error
	}{
		{"done", jobs.ErrInvalidTransition},
		{"dead", jobs.ErrInvalidTransition},
		{"stopped", jobs.ErrInvalidTransition},
		{"nope", jobs.ErrJobNotFound},
	}
	for _, c := range cases {
		before, _ := s.b.Job(s.ctx, c.id)
		_, err := s.b.Cancel(s.ctx, c.id)
		s.expectErr("Cancel("+c.id+")", err, c.err)
		if c.err == jobs.ErrInvalidTransition {
			s.expectJob("job "+c.id+" after a refused cancel", s.find(c.id), before)
		}
	}
}
