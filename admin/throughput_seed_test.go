package admin_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// hourStart is the first minute seedHour fills.
var hourStart = time.Date(2031, time.March, 4, 11, 0, 0, 0, time.UTC)

// hourSeed is what seedHour stored, as the overview should show it.
type hourSeed struct {
	// minutes are both queues' counts per minute from hourStart to the
	// clock's minute (hourStart + 60 min, in which nothing ran).
	minutes []jobs.MinuteCount
	// processed and failed are the attempts emails finished in the rate
	// window (from minute 55 to the clock's time, 5.5 minutes), waits the
	// waits of the jobs it started in it.
	processed, failed int64
	waits             []time.Duration
}

// seedHour runs an hour of jobs on b, whose clock is clock (set to
// hourStart), and leaves the clock at hourStart + 60.5 min. Each minute m
// at second 5 it enqueues 3 + 7m mod 9 jobs in emails, waits (m mod 5 +
// 1) × 200 ms, takes them and completes them but for one dead letter every
// fourth minute; every third minute one job in reports waits 3 s and
// completes.
func seedHour(t *testing.T, b jobs.Backend, clock *backendtest.Clock) hourSeed {
	t.Helper()
	ctx := t.Context()
	var seed hourSeed
	run := func(queue string, m, n int, wait time.Duration, fails bool) {
		t.Helper()
		var batch []jobs.Job
		for i := range n {
			opts := jobs.ResolveEnqueueOptions(jobs.WithJobID(fmt.Sprintf("%s-%d-%d", queue, m, i)), jobs.WithQueue(queue), jobs.WithMaxRetries(0))
			j, err := jobs.NewJob("hour.job", []byte(`{}`), opts, clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			batch = append(batch, j)
		}
		if err := b.Enqueue(ctx, batch...); err != nil {
			t.Fatal(err)
		}
		clock.Advance(wait)
		var started []jobs.Job
		for len(started) < n {
			dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			got, err := b.Dequeue(dctx, queue, n-len(started), time.Minute)
			cancel()
			if err != nil {
				t.Fatalf("Dequeue(%s): %v", queue, err)
			}
			started = append(started, got...)
		}
		for i, j := range started {
			var done jobs.Job
			var err error
			if fails && i == 0 {
				done, err = j.Fail(jobs.JobError{Message: "minute " + fmt.Sprint(m), Type: "error"}, clock.Now())
			} else {
				done, err = j.Complete(nil, clock.Now())
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Ack(ctx, done); err != nil {
				t.Fatal(err)
			}
		}
	}
	clock.Set(hourStart)
	for m := range 60 {
		at := hourStart.Add(time.Duration(m) * time.Minute)
		clock.Set(at.Add(5 * time.Second))
		n, wait, fails := 3+(7*m)%9, time.Duration(m%5+1)*200*time.Millisecond, m%4 == 0
		run("emails", m, n, wait, fails)
		c := jobs.MinuteCount{Minute: at, Processed: int64(n)}
		if fails {
			c.Failed = 1
		}
		if m >= 55 {
			seed.processed += c.Processed
			seed.failed += c.Failed
			for range n {
				seed.waits = append(seed.waits, wait)
			}
		}
		if m%3 == 0 {
			clock.Set(at.Add(30 * time.Second))
			run("reports", m, 1, 3*time.Second, false)
			c.Processed++
		}
		seed.minutes = append(seed.minutes, c)
	}
	seed.minutes = append(seed.minutes, jobs.MinuteCount{Minute: hourStart.Add(time.Hour)})
	clock.Set(hourStart.Add(time.Hour + 30*time.Second))
	slices.Sort(seed.waits)
	return seed
}

// totals sums the seeded minutes.
func (s hourSeed) totals() (processed, failed int64) {
	for _, m := range s.minutes {
		processed += m.Processed
		failed += m.Failed
	}
	return processed, failed
}

// quantileBounds returns the bounds of the wait bucket that holds the
// q-quantile of the seeded waits: the estimate must fall in it.
func (s hourSeed) quantileBounds(q float64) (lo, hi time.Duration) {
	i := int(q*float64(len(s.waits))+0.999999) - 1
	b := jobs.WaitBucket(s.waits[max(i, 0)])
	if b > 0 {
		lo = jobs.WaitBucketBound(b - 1)
	}
	return lo, jobs.WaitBucketBound(b)
}
