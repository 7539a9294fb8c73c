package redis

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/runtime"
)

// TestAckRetriedUntilLeaseEnds has Redis stop answering for 5 s, shorter
// than the 9 s lease, as a job completes: by a write pause (CLIENT PAUSE
// WRITE: the tries that time out are dropped) and by a freeze (SIGSTOP:
// they all run on thaw, the first one storing the outcome). With a read
// timeout of 200 ms every try fails until Redis answers again, and the
// pool keeps trying while the lease lasts: the job ends completed, having
// run once, not dead-lettered as lease_expired, and no log line claims a
// lost lease or a lost outcome. The job allows no retry, so a recovered
// lease would dead-letter it.
func TestAckRetriedUntilLeaseEnds(t *testing.T) {
	const lease, outage = 9 * time.Second, 5 * time.Second
	cases := []struct {
		name string
		stop func(t *testing.T, r *privateRedis) (resume func())
	}{
		{"client pause", func(t *testing.T, r *privateRedis) func() {
			admin := goredis.NewClient(mustParseURL(t, r.url))
			defer admin.Close()
			must(t, admin.Do(context.Background(), "CLIENT", "PAUSE", outage.Milliseconds(), "WRITE").Err())
			return func() {}
		}},
		{"sigstop", func(t *testing.T, r *privateRedis) func() {
			r.freeze(t)
			timer := time.AfterFunc(outage, func() { r.thaw(t) })
			return func() { timer.Stop(); r.thaw(t) }
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := startPrivateRedis(t)
			b := r.backend(t, WithPrefix("ackretry"), WithTimeouts(0, 200*time.Millisecond, 200*time.Millisecond), WithBlockTimeout(100*time.Millisecond))
			var mu sync.Mutex
			runs := 0
			started, finish := make(chan struct{}), make(chan struct{})
			reg := runtime.NewRegistry()
			must(t, reg.Register("t", func(context.Context, jobs.Job) (json.RawMessage, error) {
				mu.Lock()
				runs++
				mu.Unlock()
				started <- struct{}{}
				<-finish
				return nil, nil
			}))
			logs := &logRecorder{}
			pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{
				Queues: map[string]int{"default": 1}, Lease: lease, SchedulerInterval: 100 * time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			must(t, err)
			must(t, pool.Start(context.Background()))
			defer func() { _ = pool.Shutdown(context.Background()) }()
			j, err := runtime.NewClient(b).Enqueue(context.Background(), "t", nil, jobs.WithMaxRetries(0))
			must(t, err)
			select {
			case <-started:
			case <-time.After(5 * time.Second):
				t.Fatal("the job did not start")
			}
			resume := c.stop(t, r)
			defer resume()
			close(finish)

			var got jobs.Job
			for deadline := time.Now().Add(lease + 5*time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				got, err = b.Job(ctx, j.ID)
				cancel()
				if err == nil && got.State.Terminal() {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if got.State != jobs.StateCompleted || runs != 1 {
				t.Errorf("job %s ended %s (error %+v) after %d runs, want completed after 1", j.ID, got.State, got.Error, runs)
			}
			for _, claim := range []string{"another worker", "lease of job", "could not be stored", "could not be confirmed"} {
				if strings.Contains(logs.String(), claim) {
					t.Errorf("a log line says %q:\n%s", claim, logs.String())
				}
			}
		})
	}
}

func mustParseURL(t *testing.T, url string) *goredis.Options {
	t.Helper()
	o, err := goredis.ParseURL(url)
	must(t, err)
	return o
}
