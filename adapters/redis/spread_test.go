package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
)

// queuesOnMasters returns n queue names of b whose slots lie on n
// different masters of the cluster, with the master of each.
func queuesOnMasters(t *testing.T, b *Backend, n int) map[string]string {
	t.Helper()
	cluster := b.client.(*goredis.ClusterClient)
	queues := map[string]string{} // queue -> master address
	taken := map[string]bool{}
	for i := 0; len(queues) < n && i < 1000; i++ {
		q := fmt.Sprintf("spread-%d", i)
		master, err := cluster.MasterForKey(t.Context(), b.queue(q).job("x"))
		must(t, err)
		if addr := master.Options().Addr; !taken[addr] {
			taken[addr], queues[q] = true, addr
		}
	}
	if len(queues) < n {
		t.Fatalf("found queues on %d masters, want %d: %v", len(queues), n, queues)
	}
	return queues
}

// TestQueuesOnSeveralMasters serves three queues whose slots lie on the
// three masters of the real cluster with one pool: jobs complete, fail
// into the dead-letter queue, stay unique, are cancelled while running,
// and are enqueued by a periodic schedule on each queue, and Stats and
// DeadLetters add up over the masters.
func TestQueuesOnSeveralMasters(t *testing.T) {
	b := newTestBackendOn(t, nil, []Option{WithClusterAddrs(testenv.RedisCluster(t)...)})
	queues := queuesOnMasters(t, b, 3)
	t.Logf("queues and their masters: %v", queues)
	ctx := t.Context()
	var completed atomic.Int32
	started := make(chan string, 10)
	cfg := runtime.PoolConfig{Queues: map[string]int{}, SchedulerInterval: 100 * time.Millisecond}
	for q := range queues {
		cfg.Queues[q] = 3
	}
	startPool(t, b, map[string]runtime.Handler{
		"ok":   func(context.Context, jobs.Job) (json.RawMessage, error) { completed.Add(1); return nil, nil },
		"fail": func(context.Context, jobs.Job) (json.RawMessage, error) { return nil, errors.New("refused") },
		"block": func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
			started <- j.ID
			<-ctx.Done()
			return nil, ctx.Err()
		},
	}, cfg)
	client := runtime.NewClient(b)
	var schedules []runtime.Schedule
	for q := range queues {
		for range 5 {
			_, err := client.Enqueue(ctx, "ok", nil, jobs.WithQueue(q))
			must(t, err)
		}
		_, err := client.Enqueue(ctx, "fail", nil, jobs.WithQueue(q), jobs.WithMaxRetries(0))
		must(t, err)
		first, err := client.Enqueue(ctx, "ok", nil, jobs.WithQueue(q), jobs.UniqueByKey("u-"+q, time.Hour), jobs.RunIn(time.Hour))
		must(t, err)
		var exists *jobs.UniqueJobExistsError
		if _, err := client.Enqueue(ctx, "ok", nil, jobs.WithQueue(q), jobs.UniqueByKey("u-"+q, time.Hour)); !errors.As(err, &exists) || exists.ExistingJobID != first.ID {
			t.Fatalf("second unique enqueue on %s: %v; want the unique job %s", q, err, first.ID)
		}
		blocked, err := client.Enqueue(ctx, "block", nil, jobs.WithQueue(q), jobs.WithMaxRetries(0))
		must(t, err)
		select {
		case id := <-started:
			if id != blocked.ID {
				t.Fatalf("job %s started, want %s", id, blocked.ID)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the blocking job of %s did not start", q)
		}
		_, err = client.Cancel(ctx, blocked.ID)
		must(t, err)
		schedules = append(schedules, runtime.Schedule{Name: "tick-" + q, Spec: "@every 1s", JobType: "ok",
			Options: []jobs.EnqueueOption{jobs.WithQueue(q)}})
	}
	periodic, err := runtime.NewPeriodic(client, schedules, nil)
	must(t, err)
	pctx, stop := context.WithTimeout(ctx, 2500*time.Millisecond)
	periodic.Run(pctx)
	stop()

	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := b.Stats(ctx)
		must(t, err)
		settled := len(st.Queues) == len(queues)
		for _, qs := range st.Queues {
			// 5 ok + at least 2 periodic ok, 1 failed, 1 cancelled; 1 scheduled unique job.
			settled = settled && qs.Pending == 0 && qs.Running == 0 && qs.Scheduled == 1 &&
				qs.DeadLetters == 1 && qs.Succeeded >= 7 && qs.Failed >= 1
		}
		if settled {
			if st.DeadLetters != 3 {
				t.Fatalf("total dead letters %d, want 3: %+v", st.DeadLetters, st)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats did not settle over the masters: %+v", st.Queues)
		}
		time.Sleep(50 * time.Millisecond)
	}
	dead, err := b.DeadLetters(ctx, jobs.DeadLetterQuery{Limit: 10})
	must(t, err)
	inDLQ := map[string]bool{}
	for _, j := range dead {
		inDLQ[j.Queue] = j.Type == "fail"
	}
	for q := range queues {
		if !inDLQ[q] {
			t.Errorf("no dead letter of queue %s: %v", q, dead)
		}
		cancelled, err := b.ListJobs(ctx, jobs.JobQuery{Queue: q, State: jobs.StateCancelled})
		must(t, err)
		if len(cancelled.Jobs) != 1 || cancelled.Jobs[0].Type != "block" {
			t.Errorf("cancelled jobs of %s: %+v", q, cancelled.Jobs)
		}
	}
	infos, err := b.Schedules(ctx)
	must(t, err)
	if len(infos) != len(queues) {
		t.Errorf("schedules: %+v", infos)
	}
}
