package backendtest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
)

// promptly is how soon a blocked Dequeue must return after it is woken.
const promptly = time.Second

var queueTests = []test{
	{"EnqueueJobRoundTrip", testRoundTrip},
	{"StoredJobsAreCopies", testStoredCopies},
	{"DuplicateID", testDuplicateID},
	{"BatchAllOrNone", testBatchAllOrNone},
	{"PriorityAndFIFO", testPriorityAndFIFO},
	{"BatchDequeueKeepsOrder", testBatchDequeue},
	{"QueuesAreSeparate", testQueuesSeparate},
	{"BlockingDequeueWakesOnEnqueue", testDequeueWakes},
	{"BlockingDequeueHonoursContext", testDequeueContext},
	{"Delete", testDelete},
	{"GeneratedIDs", testGeneratedIDs},
	{"EnqueueOne", testEnqueueOne},
}

// fullJob is a job with every enqueue-time field set.
func (s *suite) fullJob(id string, opts ...jobs.EnqueueOption) jobs.Job {
	s.t.Helper()
	return s.newJob(id, append([]jobs.EnqueueOption{
		jobs.WithQueue("emails"),
		jobs.WithPriority(jobs.PriorityHigh),
		jobs.WithMaxRetries(7),
		jobs.WithMetadata("trace_id", "4bf92f3577b34da6"),
		jobs.WithMetadata("origin", "signup"),
		jobs.ForTenant("acme"),
		jobs.WithRetryPolicy(jobs.RetryPolicy{Backoff: jobs.BackoffLinear, InitialDelay: 2 * time.Second, MaxDelay: 30 * time.Second, Jitter: jobs.NoJitter}),
		jobs.WithTimeout(45 * time.Second),
	}, opts...)...)
}

func testRoundTrip(s *suite) {
	pending := s.fullJob("pending-1")
	scheduled := s.fullJob("scheduled-1", jobs.RunIn(90*time.Minute+123*time.Millisecond))
	if pending.State != jobs.StatePending || scheduled.State != jobs.StateScheduled {
		s.t.Fatalf("fixture states %s, %s", pending.State, scheduled.State)
	}
	s.enqueue(pending, scheduled)
	s.expectJob("stored pending job", s.find(pending.ID), pending)
	s.expectJob("stored scheduled job", s.find(scheduled.ID), scheduled)

	s.clock.Advance(1500 * time.Millisecond)
	got := s.dequeueOne("emails", pending.ID)
	now := s.clock.Now()
	want, err := pending.Start(now, now.Add(lease))
	if err != nil {
		s.t.Fatal(err)
	}
	s.expectJob("dequeued job", got, want)
	s.expectJob("stored running job", s.find(pending.ID), want)

	s.clock.Advance(time.Second)
	done := s.complete(got)
	s.expectJob("stored completed job", s.find(pending.ID), done)

	s.clock.Advance(90 * time.Minute)
	s.promote(1)
	promoted, err := scheduled.Promote(s.clock.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	s.expectJob("promoted job", s.find(scheduled.ID), promoted)
}

func testStoredCopies(s *suite) {
	j := s.fullJob("copy-1")
	s.enqueue(j)
	j.Args[2] = 'X'
	j.Metadata["trace_id"] = "changed"
	j.Retry.InitialDelay = time.Hour
	got := s.find("copy-1")
	if string(got.Args) != `{"id":"copy-1"}` || got.Metadata["trace_id"] != "4bf92f3577b34da6" || got.Retry.InitialDelay != 2*time.Second {
		s.t.Fatalf("changing the enqueued job changed the stored one: args %s, metadata %v, retry %+v", got.Args, got.Metadata, *got.Retry)
	}
	got.Args[2] = 'Y'
	got.Metadata["origin"] = "changed"
	again := s.find("copy-1")
	if string(again.Args) != `{"id":"copy-1"}` || again.Metadata["origin"] != "signup" {
		s.t.Fatalf("changing a found job changed the stored one: args %s, metadata %v", again.Args, again.Metadata)
	}
	run := s.dequeueOne("emails", "copy-1")
	run.Metadata["origin"] = "changed"
	if s.find("copy-1").Metadata["origin"] != "signup" {
		s.t.Fatal("changing a dequeued job changed the stored one")
	}
}

func testDuplicateID(s *suite) {
	first := s.add("dup-1")
	second := s.newJob("dup-1", jobs.WithQueue("other"))
	second.Args = []byte(`{"second":true}`)
	s.expectErr("Enqueue of a duplicate ID", s.b.Enqueue(s.ctx, second), jobs.ErrDuplicateJob)
	s.expectJob("job after a duplicate enqueue", s.find("dup-1"), first)
	s.expectSize("other", 0)
	s.expectSize(jobs.DefaultQueue, 1)

	// An ID stays taken while its job runs and after it finished.
	s.complete(s.dequeueOne(jobs.DefaultQueue, "dup-1"))
	s.expectErr("Enqueue of a finished job's ID", s.b.Enqueue(s.ctx, s.newJob("dup-1")), jobs.ErrDuplicateJob)
}

func testBatchAllOrNone(s *suite) {
	s.add("taken")
	cases := []struct {
		name  string
		batch []string
	}{
		{"ID in use", []string{"b1", "taken", "b2"}},
		{"ID twice in the batch", []string{"c1", "c2", "c1"}},
	}
	for _, c := range cases {
		list := make([]jobs.Job, len(c.batch))
		for i, id := range c.batch {
			list[i] = s.newJob(id)
		}
		s.expectErr("Enqueue batch with "+c.name, s.b.Enqueue(s.ctx, list...), jobs.ErrDuplicateJob)
		for _, id := range c.batch {
			if id == "taken" {
				continue
			}
			if _, err := s.b.Job(s.ctx, id); !errors.Is(err, jobs.ErrJobNotFound) {
				s.t.Fatalf("%s: job %s of the refused batch: err = %v, want ErrJobNotFound", c.name, id, err)
			}
		}
		s.expectSize(jobs.DefaultQueue, 1)
	}
	s.enqueue(s.newJob("d1"), s.newJob("d2", jobs.RunIn(time.Minute)), s.newJob("d3"))
	s.expectSize(jobs.DefaultQueue, 3)
	s.expectState("d2", jobs.StateScheduled, 0)
}

func testPriorityAndFIFO(s *suite) {
	type item struct {
		id string
		p  jobs.Priority
	}
	low, normal, high, crit := jobs.PriorityLow, jobs.PriorityNormal, jobs.PriorityHigh, jobs.PriorityCritical
	cases := []struct {
		name  string
		items []item
		want  []string
	}{
		{"lowest first in", []item{{"l", low}, {"n", normal}, {"h", high}, {"c", crit}}, []string{"c", "h", "n", "l"}},
		{"highest first in", []item{{"c", crit}, {"h", high}, {"n", normal}, {"l", low}}, []string{"c", "h", "n", "l"}},
		{"FIFO within one priority", []item{{"n1", normal}, {"n2", normal}, {"n3", normal}, {"n4", normal}}, []string{"n1", "n2", "n3", "n4"}},
		{"interleaved", []item{
			{"n1", normal}, {"l1", low}, {"c1", crit}, {"h1", high}, {"n2", normal},
			{"c2", crit}, {"l2", low}, {"h2", high}, {"c3", crit}, {"n3", normal},
		}, []string{"c1", "c2", "c3", "h1", "h2", "n1", "n2", "n3", "l1", "l2"}},
	}
	for i, c := range cases {
		queue := fmt.Sprintf("prio%d", i)
		for _, it := range c.items {
			s.add(queue+"-"+it.id, jobs.WithQueue(queue), jobs.WithPriority(it.p))
			s.clock.Advance(time.Millisecond)
		}
		var got []jobs.Job
		for range c.items {
			got = append(got, s.dequeue(queue, 1)...)
		}
		want := make([]string, len(c.want))
		for i, id := range c.want {
			want[i] = queue + "-" + id
		}
		s.expectIDs(c.name+": dequeue order", got, want...)
		s.expectEmpty(queue)
	}
}

func testBatchDequeue(s *suite) {
	s.add("n1")
	s.add("l1", jobs.WithPriority(jobs.PriorityLow))
	s.add("c1", jobs.WithPriority(jobs.PriorityCritical))
	s.add("n2")
	s.add("h1", jobs.WithPriority(jobs.PriorityHigh))
	first := s.dequeue(jobs.DefaultQueue, 3)
	s.expectIDs("first batch", first, "c1", "h1", "n1")
	for _, j := range first {
		if j.State != jobs.StateRunning || j.Attempt != 1 {
			s.t.Fatalf("dequeued job %s is %s at attempt %d, want running at attempt 1", j.ID, j.State, j.Attempt)
		}
		s.expectState(j.ID, jobs.StateRunning, 1)
	}
	s.expectSize(jobs.DefaultQueue, 2)
	s.expectIDs("second batch", s.dequeue(jobs.DefaultQueue, 10), "n2", "l1")
	s.expectSize(jobs.DefaultQueue, 0)
}

func testQueuesSeparate(s *suite) {
	s.add("a1", jobs.WithQueue("a"))
	s.add("b1", jobs.WithQueue("b"), jobs.WithPriority(jobs.PriorityCritical))
	s.add("a2", jobs.WithQueue("a"))
	s.expectSize("a", 2)
	s.expectSize("b", 1)
	s.expectSize("c", 0)
	s.expectEmpty("c")
	s.expectIDs("queue a", s.dequeue("a", 10), "a1", "a2")
	s.expectIDs("queue b", s.dequeue("b", 10), "b1")
}

// dequeueResult is what a Dequeue in a goroutine returned, and when.
type dequeueResult struct {
	jobs []jobs.Job
	err  error
	at   time.Time
}

// dequeueAsync runs Dequeue in a goroutine.
func (s *suite) dequeueAsync(ctx context.Context, queue string) <-chan dequeueResult {
	done := make(chan dequeueResult, 1)
	go func() {
		list, err := s.b.Dequeue(ctx, queue, 1, lease)
		done <- dequeueResult{list, err, time.Now()}
	}()
	return done
}

// await waits for a dequeueResult.
// expectBlocked waits 100 ms and fails if the Dequeue behind done has
// returned: why says of what queue ("empty", "paused").
func (s *suite) expectBlocked(done <-chan dequeueResult, why string) {
	s.t.Helper()
	time.Sleep(100 * time.Millisecond)
	select {
	case r := <-done:
		s.t.Fatalf("Dequeue on a %s queue returned %v, %v", why, ids(r.jobs), r.err)
	default:
	}
}

func (s *suite) await(done <-chan dequeueResult) dequeueResult {
	s.t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(waitTimeout):
		s.t.Fatalf("Dequeue still blocked after %s", waitTimeout)
		return dequeueResult{}
	}
}

func testDequeueWakes(s *suite) {
	ctx, cancel := context.WithTimeout(s.ctx, waitTimeout)
	defer cancel()
	done := s.dequeueAsync(ctx, "wake")
	s.expectBlocked(done, "empty")
	enqueued := time.Now()
	s.add("wake-1", jobs.WithQueue("wake"))
	r := s.await(done)
	if r.err != nil {
		s.t.Fatalf("blocked Dequeue: %v", r.err)
	}
	s.expectIDs("woken Dequeue", r.jobs, "wake-1")
	if took := r.at.Sub(enqueued); took > promptly {
		s.t.Fatalf("blocked Dequeue returned %s after the enqueue, want within %s", took, promptly)
	}
}

func testDequeueContext(s *suite) {
	ctx, cancel := context.WithCancel(s.ctx)
	done := s.dequeueAsync(ctx, "idle")
	time.Sleep(100 * time.Millisecond)
	cancelled := time.Now()
	cancel()
	r := s.await(done)
	if !errors.Is(r.err, context.Canceled) || len(r.jobs) > 0 {
		s.t.Fatalf("cancelled Dequeue = %v, %v; want context.Canceled", ids(r.jobs), r.err)
	}
	if took := r.at.Sub(cancelled); took > promptly {
		s.t.Fatalf("cancelled Dequeue returned %s after the cancel, want within %s", took, promptly)
	}

	// A job enqueued after the cancel stays for the next Dequeue.
	s.add("later", jobs.WithQueue("idle"))
	s.expectState("later", jobs.StatePending, 0)
	s.dequeueOne("idle", "later")

	// Nothing is leased through an already-done context.
	s.add("not-leased", jobs.WithQueue("idle"))
	list, err := s.b.Dequeue(ctx, "idle", 1, lease)
	if !errors.Is(err, context.Canceled) || len(list) > 0 {
		s.t.Fatalf("Dequeue with a cancelled context = %v, %v; want context.Canceled", ids(list), err)
	}
	s.expectState("not-leased", jobs.StatePending, 0)
}

func testDelete(s *suite) {
	s.add("p1")
	s.add("p2")
	s.add("sched", jobs.RunIn(time.Minute))
	running := s.dequeueOne(jobs.DefaultQueue, "p1")
	s.deadLetter("dead", jobs.WithQueue("other"))

	for _, id := range []string{"p2", "sched", "dead"} {
		if err := s.b.Delete(s.ctx, id); err != nil {
			s.t.Fatalf("Delete(%s): %v", id, err)
		}
		if _, err := s.b.Job(s.ctx, id); !errors.Is(err, jobs.ErrJobNotFound) {
			s.t.Fatalf("Job(%s) after Delete: err = %v, want ErrJobNotFound", id, err)
		}
	}
	s.expectErr("Delete of an unknown job", s.b.Delete(s.ctx, "nope"), jobs.ErrJobNotFound)
	if err := s.b.Delete(s.ctx, running.ID); err == nil {
		s.t.Fatal("Delete of a running job succeeded")
	}
	s.expectState(running.ID, jobs.StateRunning, 1)

	s.expectSize(jobs.DefaultQueue, 0)
	s.clock.Advance(time.Hour)
	s.promote(0)
	s.expectEmpty(jobs.DefaultQueue)
	dead, err := s.b.DeadLetters(s.ctx, jobs.DeadLetterQuery{})
	if err != nil {
		s.t.Fatal(err)
	}
	s.expectIDs("dead letters after Delete", dead)
}
