package redis

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// TestMoveBatch checks the work move.lua gathers per batch: history
// pushes and trims, counters, zset moves, and a job changed twice in one
// batch.
func TestMoveBatch(t *testing.T) {
	b := newTestBackend(t, nil, WithHistoryLimit(5))
	ctx := context.Background()
	now := time.Now()
	const n = 20
	batch := make([]jobs.Job, n)
	for i := range batch {
		j, err := jobs.NewJob("t", nil, jobs.ResolveEnqueueOptions(jobs.WithJobID(fmt.Sprint("j", i))), now)
		if err != nil {
			t.Fatal(err)
		}
		batch[i] = j
	}
	if err := b.Enqueue(ctx, batch...); err != nil {
		t.Fatal(err)
	}
	leased, err := b.Dequeue(ctx, jobs.DefaultQueue, n, time.Minute)
	if err != nil || len(leased) != n {
		t.Fatalf("dequeue: %d jobs, %v", len(leased), err)
	}
	var changes []change
	for i, j := range leased {
		done, err := j.Complete(nil, now.Add(time.Duration(i)*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, change{job: done, expect: jobs.StateRunning, attempt: strconv.Itoa(j.Attempt),
			state: jobs.StateCompleted, outcome: "ok", history: true, duration: "1000"})
	}
	// j0 again, in the same batch: deleted once completed.
	changes = append(changes, change{job: leased[0], expect: jobs.StateCompleted, state: stateDeleted})
	codes, err := b.move(ctx, b.queue(jobs.DefaultQueue), changes)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range codes {
		if c != 1 {
			t.Fatalf("change %d: code %d", i, c)
		}
	}
	k := b.queue(jobs.DefaultQueue)
	if lease := b.client.ZCard(ctx, k.keys[keyLease]).Val(); lease != 0 {
		t.Errorf("%d jobs left in the lease zset", lease)
	}
	if done := b.client.ZCard(ctx, k.keys[keyDone]).Val(); done != n-1 {
		t.Errorf("%d jobs in the done zset, want %d", done, n-1)
	}
	if _, err := b.Job(ctx, "j0"); err == nil {
		t.Error("j0 was not deleted")
	}
	hist, err := b.History(ctx, "t", 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, j := range hist {
		ids = append(ids, j.ID)
	}
	if fmt.Sprint(ids) != "[j19 j18 j17 j16 j15]" {
		t.Errorf("history %v, want the 5 newest, newest first", ids)
	}
	st := b.client.HGetAll(ctx, k.keys[keyStats]).Val()
	want := map[string]string{"processed": "20", "succeeded": "20", "timed": "20", "dur_ns": "20000"}
	for f, v := range want {
		if st[f] != v {
			t.Errorf("stats %s = %q, want %q (all: %v)", f, st[f], v, st)
		}
	}
	j1, err := b.Job(ctx, "j1")
	if err != nil || j1.State != jobs.StateCompleted || !j1.LeaseUntil.IsZero() || j1.FinishedAt.IsZero() {
		t.Errorf("j1 = %+v, %v; want completed, no lease, finished", j1, err)
	}
}
