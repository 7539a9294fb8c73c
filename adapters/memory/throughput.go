package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// Ring sizes of the per-minute counters: a little more than
// jobs.ThroughputRetention and jobs.MaxWaitWindow, so that the
// oldest minute asked for is never the one being overwritten.
const (
	countSlots = 1500 // 25 hours
	waitSlots  = 64
)

// minuteSlot is one minute's counters in a ring; minute is the unix minute
// they belong to (0: never written).
type minuteSlot struct {
	minute            int64
	processed, failed int64
}

// waitSlot is one minute's wait histogram in a ring.
type waitSlot struct {
	minute int64
	hist   jobs.WaitHistogram
}

// perMinute is one queue's per-minute counters: fixed rings indexed by
// unix minute, so their memory is bounded and old minutes are overwritten.
type perMinute struct {
	counts [countSlots]minuteSlot
	waits  [waitSlots]waitSlot
}

// unixMinute is the number of whole minutes from the unix epoch to t.
func unixMinute(t time.Time) int64 {
	return t.Unix() / 60
}

// pm returns q's per-minute counters, made on first use.
func (q *queue) pm() *perMinute {
	if q.minutes == nil {
		q.minutes = new(perMinute)
	}
	return q.minutes
}

// countAt adds a finished attempt at now to q's per-minute counters.
func (q *queue) countAt(now time.Time, success bool) {
	m := unixMinute(now)
	s := &q.pm().counts[m%countSlots]
	if s.minute != m {
		*s = minuteSlot{minute: m}
	}
	s.processed++
	if !success {
		s.failed++
	}
}

// waited adds a job that started at now after waiting for wait to q's
// per-minute wait histograms.
func (q *queue) waited(now time.Time, wait time.Duration) {
	m := unixMinute(now)
	s := &q.pm().waits[m%waitSlots]
	if s.minute != m {
		*s = waitSlot{minute: m}
	}
	s.hist[jobs.WaitBucket(wait)]++
}

// Throughput returns every queue's per-minute counters (see
// jobs.ThroughputReader).
func (b *Backend) Throughput(ctx context.Context, query jobs.ThroughputQuery) (jobs.Throughput, error) {
	if err := ctx.Err(); err != nil {
		return jobs.Throughput{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	since, window := query.Window(now)
	first, last := unixMinute(since), unixMinute(now)
	firstWait := unixMinute(now.Add(-window))
	out := jobs.Throughput{Now: now, Queues: make([]jobs.QueueThroughput, 0, len(b.queues))}
	for _, q := range b.queues {
		qt := jobs.QueueThroughput{Queue: q.name, Minutes: make([]jobs.MinuteCount, 0, last-first+1)}
		for m := first; m <= last; m++ {
			c := jobs.MinuteCount{Minute: time.Unix(m*60, 0).UTC()}
			if q.minutes != nil {
				if s := q.minutes.counts[m%countSlots]; s.minute == m {
					c.Processed, c.Failed = s.processed, s.failed
				}
			}
			qt.Minutes = append(qt.Minutes, c)
		}
		if q.minutes != nil {
			for m := firstWait; m <= last; m++ {
				if s := &q.minutes.waits[m%waitSlots]; s.minute == m {
					qt.Wait.Add(&s.hist)
				}
			}
		}
		out.Queues = append(out.Queues, qt)
	}
	slices.SortFunc(out.Queues, func(a, c jobs.QueueThroughput) int { return strings.Compare(a.Queue, c.Queue) })
	return out, nil
}

var _ jobs.ThroughputReader = (*Backend)(nil)
