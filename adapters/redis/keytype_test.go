package redis

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// snapshot returns every key under b's prefix with its type and DUMP, to
// tell whether an operation changed anything.
func snapshot(t *testing.T, b *Backend) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := make(map[string]string)
	iter := b.client.Scan(ctx, 0, b.prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		kind, err := b.client.Type(ctx, key).Result()
		must(t, err)
		dump, err := b.client.Dump(ctx, key).Result()
		must(t, err)
		out[key] = kind + " " + dump
	}
	must(t, iter.Err())
	return out
}

// changedKeys lists the keys whose content differs between two snapshots.
func changedKeys(before, after map[string]string) []string {
	var out []string
	for k, v := range after {
		if before[k] != v {
			out = append(out, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// corruptQueue is a queue with jobs in every state, one of whose structure
// keys (see keyNames) was then overwritten with a string.
type corruptQueue struct {
	b      *Backend
	clock  *backendtest.Clock
	key    string     // the overwritten key
	leased []jobs.Job // running jobs
	dead   jobs.Job   // a failed job
	queued jobs.Job   // a pending job
}

// keyNames are the structure keys the tests overwrite, by suffix.
var keyNames = []string{"stats", "done", "lease", "p2", "sched", "retry", "dead"}

func newCorruptQueue(t *testing.T, name string) *corruptQueue {
	t.Helper()
	ctx := context.Background()
	clock := backendtest.NewClock(backendtest.Start)
	b := newTestBackend(t, clock)
	c := &corruptQueue{b: b, clock: clock, key: b.queue("q").base + name}
	var batch []jobs.Job
	for i := range 8 {
		batch = append(batch, job(t, clock, fmt.Sprintf("j%d", i), "q", jobs.WithMaxRetries(1)))
	}
	batch = append(batch, job(t, clock, "later", "q", jobs.RunIn(time.Minute)))
	must(t, b.Enqueue(ctx, batch...))
	failing := dequeue(t, b, "q", 2)
	retrying, err := failing[0].PrepareRetry(jobs.JobError{Message: "boom"}, clock.Now().Add(time.Minute), clock.Now())
	must(t, err)
	must(t, b.Ack(ctx, retrying))
	failed, err := failing[1].Fail(jobs.JobError{Message: "boom"}, clock.Now())
	must(t, err)
	must(t, b.Ack(ctx, failed))
	done, err := dequeue(t, b, "q", 1)[0].Complete(nil, clock.Now())
	must(t, err)
	must(t, b.Ack(ctx, done))
	c.leased = dequeue(t, b, "q", 4)
	c.dead = failed
	c.queued = batch[7]
	must(t, b.client.Set(ctx, c.key, "garbage", 0).Err())
	return c
}

// TestWrongTypeKeyChangesNothing overwrites one structure key of a queue
// with a string and runs every kind of operation on the queue: each either
// succeeds or fails with an error that names the key, having changed
// nothing.
func TestWrongTypeKeyChangesNothing(t *testing.T) {
	ctx := context.Background()
	for _, name := range keyNames {
		t.Run(name, func(t *testing.T) {
			c := newCorruptQueue(t, name)
			b, now := c.b, c.clock.Now
			ack := func(j jobs.Job, err error) error {
				must(t, err)
				return b.Ack(ctx, j)
			}
			ops := []struct {
				name string
				run  func() error
			}{
				{"enqueue", func() error { return b.Enqueue(ctx, job(t, c.clock, "new", "q")) }},
				{"complete", func() error { return ack(c.leased[0].Complete(nil, now())) }},
				{"fail", func() error { return ack(c.leased[1].Fail(jobs.JobError{Message: "x"}, now())) }},
				{"retry later", func() error {
					return ack(c.leased[2].PrepareRetry(jobs.JobError{Message: "x"}, now().Add(time.Second), now()))
				}},
				{"ack and dequeue", func() error {
					j, err := c.leased[3].Complete(nil, now())
					must(t, err)
					_, err = b.AckDequeue(ctx, j, time.Minute)
					return err
				}},
				{"dequeue", func() error {
					_, err := b.Dequeue(ctx, "q", 2, time.Minute)
					return err
				}},
				{"extend", func() error {
					_, err := b.ExtendLeases(ctx, c.leased, now().Add(time.Hour))
					return err
				}},
				{"cancel", func() error { _, err := b.Cancel(ctx, c.queued.ID); return err }},
				{"retry dead letter", func() error { _, err := b.RetryDeadLetter(ctx, c.dead.ID); return err }},
				{"pause", func() error { return b.PauseQueue(ctx, "q") }},
				{"resume", func() error { return b.ResumeQueue(ctx, "q") }},
				{"promote", func() error {
					c.clock.Advance(2 * time.Minute)
					_, err := b.PromoteDue(ctx)
					return err
				}},
				{"stats", func() error { _, err := b.Stats(ctx); return err }},
				{"dead letters", func() error {
					_, err := b.DeadLetters(ctx, jobs.DeadLetterQuery{Queue: "q"})
					return err
				}},
				{"list", func() error {
					for _, s := range jobs.States {
						if _, err := b.ListJobs(ctx, jobs.JobQuery{Queue: "q", State: s}); err != nil {
							return err
						}
					}
					return nil
				}},
				{"recover", func() error {
					c.clock.Advance(2 * time.Hour)
					_, err := b.RecoverExpired(ctx)
					return err
				}},
			}
			for _, op := range ops {
				before := snapshot(t, b)
				err := op.run()
				if err == nil {
					continue
				}
				if !strings.Contains(err.Error(), c.key) {
					t.Errorf("%s: error %q does not name the key %s", op.name, err, c.key)
				}
				if changed := changedKeys(before, snapshot(t, b)); len(changed) > 0 {
					t.Errorf("%s failed (%v) but changed %v", op.name, err, changed)
				}
			}
		})
	}
}
