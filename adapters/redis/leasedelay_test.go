package redis

import (
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
	"github.com/jobsgo/jobs/internal/testenv"
)

// frozenServer is a private redis-server that a test can freeze
// (SIGSTOP) and thaw (SIGCONT), with a client of its own to look at it.
type frozenServer struct {
	pid   int
	admin *goredis.Client
}

// startFreezable starts a private redis-server and a backend on it that
// decides on the server's clock (no WithClock).
func startFreezable(t *testing.T) (*Backend, *frozenServer) {
	t.Helper()
	url := testenv.StartRedis(t, "--save", "", "--appendonly", "no")
	opts, err := goredis.ParseURL(url)
	must(t, err)
	admin := goredis.NewClient(opts)
	t.Cleanup(func() { admin.Close() })
	info, err := admin.InfoMap(context.Background(), "server").Result()
	must(t, err)
	pid, err := strconv.Atoi(info["Server"]["process_id"])
	must(t, err)
	s := &frozenServer{pid: pid, admin: admin}
	t.Cleanup(s.thaw) // a failed test must not leave the server stopped
	b, err := New(WithURL(url), WithPrefix("leasedelay"))
	must(t, err)
	t.Cleanup(func() { b.Close() })
	must(t, b.Preflight(context.Background()))
	must(t, b.clockReady(context.Background()))
	return b, s
}

func (s *frozenServer) freeze(t *testing.T) {
	t.Helper()
	must(t, syscall.Kill(s.pid, syscall.SIGSTOP))
}

func (s *frozenServer) thaw() { _ = syscall.Kill(s.pid, syscall.SIGCONT) }

// duringFreeze freezes the server, starts call (which is then in flight
// against a server that does not answer), thaws the server after freeze
// and returns call's result.
func duringFreeze[T any](t *testing.T, s *frozenServer, freeze time.Duration, call func() (T, error)) T {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	s.freeze(t)
	go func() {
		v, err := call()
		done <- result{v, err}
	}()
	time.Sleep(freeze)
	s.thaw()
	r := <-done
	must(t, r.err)
	return r.v
}

// checkFullLease checks that job, just handed out or extended, holds a
// lease that runs at least most of lease from now by the server's clock,
// that the job's LeaseUntil and StartedAt are the ones stored, and that
// RecoverExpired run now leaves it alone.
func checkFullLease(t *testing.T, b *Backend, s *frozenServer, job jobs.Job, lease time.Duration) {
	t.Helper()
	ctx := context.Background()
	k := b.queue(job.Queue)
	score, err := s.admin.ZScore(ctx, k.keys[keyLease], job.ID).Result()
	must(t, err)
	serverNow, err := s.admin.Time(ctx).Result()
	must(t, err)
	deadline := time.UnixMicro(int64(score))
	if left := deadline.Sub(serverNow); left < lease*3/4 {
		t.Errorf("job %s: lease ends %s after the server's TIME, want about %s (the full lease from when the server handed it out)", job.ID, left, lease)
	}
	stored, err := s.admin.HMGet(ctx, k.job(job.ID), "l", "st").Result()
	must(t, err)
	if want := codec.Nanos(job.LeaseUntil); stored[0] != want {
		t.Errorf("job %s: stored lease deadline %v, the job returned says %s", job.ID, stored[0], want)
	}
	if micros(job.LeaseUntil) != strconv.FormatInt(int64(score), 10) {
		t.Errorf("job %s: lease zset holds %d, the job returned says %s", job.ID, int64(score), micros(job.LeaseUntil))
	}
	if job.StartedAt.IsZero() || stored[1] != codec.Nanos(job.StartedAt) {
		t.Errorf("job %s: stored started-at %v, the job returned says %s", job.ID, stored[1], codec.Nanos(job.StartedAt))
	}
	n, err := b.RecoverExpired(ctx)
	must(t, err)
	if n != 0 {
		t.Errorf("RecoverExpired right after recovered %d leases, want 0: the lease was handed out or extended just now", n)
	}
	got, err := b.Job(ctx, job.ID)
	must(t, err)
	if got.State != jobs.StateRunning || got.Attempt != job.Attempt {
		t.Errorf("job %s is %s attempt %d after RecoverExpired, want running attempt %d", job.ID, got.State, got.Attempt, job.Attempt)
	}
}

// TestDelayedCallsLeaseFromTheServersTime freezes the Redis server while a
// Dequeue, an AckDequeue or an ExtendLeases is in flight, for longer than
// the lease: the lease the server then hands out or extends must still
// run its full length from that moment, not from when the caller sent the
// call, else the recoverer takes back a job its worker has just started.
func TestDelayedCallsLeaseFromTheServersTime(t *testing.T) {
	const lease, freeze = 400 * time.Millisecond, 800 * time.Millisecond
	ctx := context.Background()
	enqueue := func(t *testing.T, b *Backend, n int) {
		t.Helper()
		for range n {
			j, err := jobs.NewJob("lease.delay", []byte(`{}`), jobs.EnqueueOptions{}, b.Clock().Now())
			must(t, err)
			must(t, b.Enqueue(ctx, j))
		}
	}
	dequeueOne := func(t *testing.T, b *Backend, lease time.Duration) jobs.Job {
		t.Helper()
		batch, err := b.Dequeue(ctx, jobs.DefaultQueue, 1, lease)
		must(t, err)
		if len(batch) != 1 {
			t.Fatalf("Dequeue returned %d jobs, want 1", len(batch))
		}
		return batch[0]
	}
	tests := []struct {
		name string
		// run makes the call under test while the server is frozen and
		// returns the job whose lease it set.
		run func(t *testing.T, b *Backend, s *frozenServer) jobs.Job
	}{
		{"Dequeue", func(t *testing.T, b *Backend, s *frozenServer) jobs.Job {
			enqueue(t, b, 1)
			return duringFreeze(t, s, freeze, func() (jobs.Job, error) {
				batch, err := b.Dequeue(ctx, jobs.DefaultQueue, 1, lease)
				if err == nil && len(batch) != 1 {
					t.Errorf("Dequeue returned %d jobs, want 1", len(batch))
					return jobs.Job{}, nil
				}
				return batch[0], err
			})
		}},
		{"AckDequeue", func(t *testing.T, b *Backend, s *frozenServer) jobs.Job {
			enqueue(t, b, 2)
			first := dequeueOne(t, b, time.Minute)
			done, err := first.Complete(nil, b.Clock().Now())
			must(t, err)
			return duringFreeze(t, s, freeze, func() (jobs.Job, error) {
				batch, err := b.AckDequeue(ctx, done, lease)
				if err == nil && len(batch) != 1 {
					t.Errorf("AckDequeue returned %d jobs, want 1", len(batch))
					return jobs.Job{}, nil
				}
				return batch[0], err
			})
		}},
		{"ExtendLeases", func(t *testing.T, b *Backend, s *frozenServer) jobs.Job {
			enqueue(t, b, 1)
			job := dequeueOne(t, b, lease)
			until := b.Clock().Now().Add(lease)
			lost := duringFreeze(t, s, freeze, func() ([]string, error) {
				return b.ExtendLeases(ctx, []jobs.Job{job}, until)
			})
			if len(lost) != 0 {
				t.Fatalf("ExtendLeases lost %v", lost)
			}
			got, err := b.Job(ctx, job.ID)
			must(t, err)
			return got
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, s := startFreezable(t)
			job := tt.run(t, b, s)
			if job.ID == "" {
				t.FailNow()
			}
			checkFullLease(t, b, s, job, lease)
		})
	}
}
