package redis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"
)

// TestRepairRestoresQueue overwrites one structure key of a queue with
// jobs in every state: Repair reports the key (and, dry, changes
// nothing), Repair with fix moves it aside and puts every job back in
// exactly the structure its state names, after which the queue works and
// drains, and a second Repair finds nothing.
func TestRepairRestoresQueue(t *testing.T) {
	ctx := context.Background()
	for _, name := range keyNames {
		t.Run(name, func(t *testing.T) {
			c := newCorruptQueue(t, name)
			b := c.b
			before := snapshot(t, b)
			dry, err := b.Repair(ctx, "q", false)
			must(t, err)
			if changed := changedKeys(before, snapshot(t, b)); len(changed) > 0 {
				t.Fatalf("dry Repair changed %v", changed)
			}
			if len(dry.Problems) == 0 || dry.Problems[0].Kind != jobs.RepairWrongType || dry.Problems[0].Key != c.key {
				t.Fatalf("dry Repair = %+v; want the wrong type of %s first", dry, c.key)
			}
			fixed, err := b.Repair(ctx, "q", true)
			must(t, err)
			if len(fixed.Problems) != len(dry.Problems) || !fixed.Fixed {
				t.Errorf("Repair(fix) = %+v; want the problems of the dry run %+v", fixed, dry)
			}
			auditPlaces(t, b, "q")
			again, err := b.Repair(ctx, "q", false)
			if err != nil || len(again.Problems) != 0 || again.Checked != fixed.Checked {
				t.Fatalf("Repair after the fix = %+v, %v; want no problem", again, err)
			}
			drainAll(t, c)
			auditPlaces(t, b, "q")
			if _, err := b.Stats(ctx); err != nil {
				t.Fatalf("Stats after repair: %v", err)
			}
		})
	}
}

// TestRepairFindsStrays puts jobs out of place by hand (a pending job in
// no list, a running one without lease, a completed one also pending, an
// ID listed with no job, a corrupt job): Repair with fix puts each right.
func TestRepairFindsStrays(t *testing.T) {
	ctx := context.Background()
	c := newCorruptQueue(t, "unused")
	b, k := c.b, c.b.queue("q")
	must(t, b.client.Del(ctx, c.key).Err())
	must(t, b.client.LRem(ctx, k.keys[1], 0, c.queued.ID).Err())
	must(t, b.client.ZRem(ctx, k.keys[keyLease], c.leased[0].ID).Err())
	must(t, b.client.RPush(ctx, k.keys[1], "j2").Err()) // completed in newCorruptQueue
	must(t, b.client.ZAdd(ctx, k.keys[keyScheduled], goredis.Z{Score: 1, Member: "ghost"}).Err())
	must(t, b.client.HSet(ctx, k.job(c.leased[1].ID), "s", "lost").Err())
	report, err := b.Repair(ctx, "q", true)
	must(t, err)
	want := map[string]jobs.RepairKind{
		c.queued.ID: jobs.RepairOrphan, c.leased[0].ID: jobs.RepairOrphan, "j2": jobs.RepairMisplaced,
		"ghost": jobs.RepairDangling, c.leased[1].ID: jobs.RepairCorrupt,
	}
	got := make(map[string]jobs.RepairKind)
	for _, p := range report.Problems {
		got[p.JobID] = p.Kind
	}
	if len(got) != len(want) {
		t.Fatalf("Repair found %+v; want %v", report.Problems, want)
	}
	for id, kind := range want {
		if got[id] != kind {
			t.Errorf("job %s: %q, want %q (%+v)", id, got[id], kind, report.Problems)
		}
	}
	auditPlaces(t, b, "q")
	j, err := b.Job(ctx, c.leased[1].ID)
	if err != nil || j.Error == nil || j.Error.Type != jobs.ErrorTypeCorrupt || j.Raw["s"] != "lost" {
		t.Fatalf("corrupt job after repair: %+v, %v", j, err)
	}
	drainAll(t, c)
}

// auditPlaces checks that every job hash of queue is in exactly the one
// structure its state names, and that every ID the structures hold has a
// job: read with plain commands, apart from Repair's code.
func auditPlaces(t *testing.T, b *Backend, queue string) {
	t.Helper()
	ctx := context.Background()
	k := b.queue(queue)
	lists := map[string]int{"p1": 0, "p2": 1, "p3": 2, "p4": 3}
	zsets := map[string]int{"sched": keyScheduled, "retry": keyRetrying, "lease": keyLease, "dead": keyDead, "done": keyDone, "cancelled": keyCancelled}
	state := map[string]string{"scheduled": "sched", "retrying": "retry", "running": "lease", "failed": "dead", "completed": "done", "cancelled": "cancelled"}
	members := make(map[string][]string) // ID -> structures
	for name, i := range lists {
		ids, err := b.client.LRange(ctx, k.keys[i], 0, -1).Result()
		must(t, err)
		for _, id := range ids {
			members[id] = append(members[id], name)
		}
	}
	for name, i := range zsets {
		ids, err := b.client.ZRange(ctx, k.keys[i], 0, -1).Result()
		must(t, err)
		for _, id := range ids {
			members[id] = append(members[id], name)
		}
	}
	keys, err := b.client.Keys(ctx, globEscape(k.base+"j:")+"*").Result()
	must(t, err)
	for _, key := range keys {
		id := strings.TrimPrefix(key, k.base+"j:")
		f, err := b.client.HMGet(ctx, key, "s", "p").Result()
		must(t, err)
		s, _ := f[0].(string)
		p, _ := f[1].(string)
		want := state[s]
		if s == "pending" {
			want = "p" + p
		}
		if len(members[id]) != 1 || members[id][0] != want {
			t.Errorf("job %s (%s) is in %v, want exactly %s", id, s, members[id], want)
		}
		delete(members, id)
	}
	for id, in := range members {
		t.Errorf("%v list job %s, which does not exist", in, id)
	}
}

// drainAll promotes and recovers every job of c's queue and runs every
// pending one to completion, until nothing is left to run.
func drainAll(t *testing.T, c *corruptQueue) {
	t.Helper()
	ctx := context.Background()
	c.clock.Advance(3 * time.Hour)
	_, err := c.b.PromoteDue(ctx)
	must(t, err)
	_, err = c.b.RecoverExpired(ctx)
	must(t, err)
	for {
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		batch, err := c.b.Dequeue(short, "q", 10, time.Minute)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		must(t, err)
		for _, j := range batch {
			done, err := j.Complete(nil, c.clock.Now())
			must(t, err)
			must(t, c.b.Ack(ctx, done))
		}
	}
	st, err := c.b.Stats(ctx)
	must(t, err)
	for _, q := range st.Queues {
		if q.Pending+q.Scheduled+q.Retrying+q.Running != 0 {
			t.Errorf("queue %s not drained: %+v", q.Name, q)
		}
	}
}
