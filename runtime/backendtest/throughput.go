package backendtest

import (
	"fmt"
	"time"

	"github.com/jobsgo/jobs"
)

var throughputTests = []test{
	{"PerMinuteCounts", testThroughputCounts},
	{"Waits", testThroughputWaits},
	{"Retention", testThroughputRetention},
}

// throughput reads the backend's per-minute counters; the group is skipped
// for a backend without the capability (the dashboard then says it has no
// per-minute figures).
func (s *suite) throughput(q jobs.ThroughputQuery) jobs.Throughput {
	s.t.Helper()
	tr, ok := s.b.(jobs.ThroughputReader)
	if !ok {
		s.t.Skip("the backend does not implement jobs.ThroughputReader")
	}
	out, err := tr.Throughput(s.ctx, q)
	if err != nil {
		s.t.Fatalf("Throughput(%+v): %v", q, err)
	}
	if !out.Now.Equal(s.clock.Now()) {
		s.t.Fatalf("Throughput: Now = %v, want the clock's %v", out.Now, s.clock.Now())
	}
	return out
}

// queueThroughput returns queue's entry of t.
func (s *suite) queueThroughput(t jobs.Throughput, queue string) jobs.QueueThroughput {
	s.t.Helper()
	for _, q := range t.Queues {
		if q.Queue == queue {
			return q
		}
	}
	s.t.Fatalf("Throughput has no queue %s: %+v", queue, t.Queues)
	return jobs.QueueThroughput{}
}

// expectMinutes checks q's minutes: one per minute from first, with the
// processed and failed counts of want ("p/f" each).
func (s *suite) expectMinutes(q jobs.QueueThroughput, first time.Time, want ...string) {
	s.t.Helper()
	if len(q.Minutes) != len(want) {
		s.t.Fatalf("queue %s: %d minutes, want %d: %+v", q.Queue, len(q.Minutes), len(want), q.Minutes)
	}
	for i, m := range q.Minutes {
		got := fmt.Sprintf("%d/%d", m.Processed, m.Failed)
		if at := first.Add(time.Duration(i) * time.Minute); !m.Minute.Equal(at) || got != want[i] {
			s.t.Errorf("queue %s minute %d: %v %s, want %v %s", q.Queue, i, m.Minute, got, at, want[i])
		}
	}
}

// testThroughputCounts: finished attempts count in the minute they finish,
// per queue: completed ones as processed, retried, dead and expired ones
// as processed and failed; minutes with nothing are zeros.
func testThroughputCounts(s *suite) {
	s.throughput(jobs.ThroughputQuery{}) // skips a backend without it
	minute0 := s.clock.Now().Truncate(time.Minute)
	for _, id := range []string{"a1", "a2", "a3"} {
		s.add(id, jobs.WithMaxRetries(1))
	}
	s.add("b1", jobs.WithQueue("other"), jobs.WithMaxRetries(0))
	batch := s.dequeue(jobs.DefaultQueue, 3)
	s.ack(s.completed(batch[0]))
	s.ack(s.completed(batch[1]))
	s.retry(batch[2], time.Minute)

	s.clock.Advance(2 * time.Minute)
	s.promote(1)
	s.fail(s.dequeueOne(jobs.DefaultQueue, "a3"))
	s.dequeueOne("other", "b1")
	s.clock.Advance(lease + time.Minute)
	s.recover(1)
	s.expectState("b1", jobs.StatePending, 1) // refunded: it did not run alone

	t := s.throughput(jobs.ThroughputQuery{Since: minute0})
	// minute 0: two completed, one retried; minute 2: a3 dead; the lease
	// of b1 (taken in minute 2) expired in minute 3.
	s.expectMinutes(s.queueThroughput(t, jobs.DefaultQueue), minute0, "3/1", "0/0", "1/1", "0/0")
	s.expectMinutes(s.queueThroughput(t, "other"), minute0, "0/0", "0/0", "0/0", "1/1")

	t = s.throughput(jobs.ThroughputQuery{Since: minute0.Add(2 * time.Minute)})
	s.expectMinutes(s.queueThroughput(t, jobs.DefaultQueue), minute0.Add(2*time.Minute), "1/1", "0/0")
}

// testThroughputWaits: each start counts how long the job waited since it
// became due (enqueued, or its scheduled time), in the minute it started;
// WaitWindow selects the minutes. A job with a generated ID (FreshID)
// counts the same as one with a caller's ID.
func testThroughputWaits(s *suite) {
	s.throughput(jobs.ThroughputQuery{})
	s.add("w1")
	s.add("later", jobs.RunIn(time.Minute))
	s.clock.Advance(1500 * time.Millisecond)
	s.ack(s.completed(s.dequeueOne(jobs.DefaultQueue, "w1")))

	s.clock.Advance(time.Minute)
	s.add("w2")
	fresh := s.generated()
	s.enqueue(fresh)
	s.clock.Advance(40 * time.Second)
	// w2 and fresh were enqueued 40 s ago; later, due 41.5 s ago, is
	// promoted behind them.
	batch := s.dequeue(jobs.DefaultQueue, 3)
	s.expectIDs("Dequeue", batch, "w2", fresh.ID, "later")

	var want jobs.WaitHistogram
	want[jobs.WaitBucket(1500*time.Millisecond)]++
	want[jobs.WaitBucket(41500*time.Millisecond)]++
	want[jobs.WaitBucket(40*time.Second)] += 2
	got := s.queueThroughput(s.throughput(jobs.ThroughputQuery{WaitWindow: 5 * time.Minute}), jobs.DefaultQueue).Wait
	if got != want {
		s.t.Fatalf("waits over 5 minutes: %v, want %v", got, want)
	}
	bucket := jobs.WaitBucket(40 * time.Second)
	if p := got.Quantile(0.5); p <= jobs.WaitBucketBound(bucket-1) || p > jobs.WaitBucketBound(bucket) {
		s.t.Errorf("median wait %v, want in the bucket of 40 s", p)
	}

	// A window of one minute holds the minute before this one and this
	// one: the first start (2 minutes ago) is out.
	s.clock.Advance(30 * time.Second)
	want[jobs.WaitBucket(1500*time.Millisecond)]--
	got = s.queueThroughput(s.throughput(jobs.ThroughputQuery{WaitWindow: time.Minute}), jobs.DefaultQueue).Wait
	if got != want || got.Total() != 3 {
		s.t.Fatalf("waits over 1 minute: %v, want %v", got, want)
	}
}

// testThroughputRetention: the counters go back at most
// jobs.ThroughputRetention, and a minute days later does not add to the
// one it replaces in the backend's rings.
func testThroughputRetention(s *suite) {
	s.throughput(jobs.ThroughputQuery{})
	minute0 := s.clock.Now().Truncate(time.Minute)
	s.add("old")
	s.clock.Advance(10 * time.Second)
	s.ack(s.completed(s.dequeueOne(jobs.DefaultQueue, "old")))

	// A multiple of both ring sizes of the adapters (1500 and 64 minutes):
	// the same slots.
	s.clock.Advance(24000*time.Minute - 10*time.Second)
	s.add("new")
	s.ack(s.completed(s.dequeueOne(jobs.DefaultQueue, "new")))
	t := s.throughput(jobs.ThroughputQuery{Since: minute0})
	q := s.queueThroughput(t, jobs.DefaultQueue)
	if len(q.Minutes) != 24*60+1 {
		t0 := q.Minutes[0].Minute
		s.t.Fatalf("Since two days ago: %d minutes from %v, want the last 24 hours (%d)", len(q.Minutes), t0, 24*60+1)
	}
	var total int64
	for _, m := range q.Minutes {
		total += m.Processed
	}
	last := q.Minutes[len(q.Minutes)-1]
	if !last.Minute.Equal(s.clock.Now().Truncate(time.Minute)) || last.Processed != 1 || total != 1 {
		s.t.Fatalf("current minute %v: %d processed (%d in 24 hours), want %v: 1 (1)",
			last.Minute, last.Processed, total, s.clock.Now().Truncate(time.Minute))
	}
	var want jobs.WaitHistogram
	want[jobs.WaitBucket(0)] = 1
	if q.Wait != want {
		s.t.Fatalf("waits in the window %v, want only the new job's (none of the old one's 10 s): %v", q.Wait, want)
	}
}
