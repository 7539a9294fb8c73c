package memory_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
)

// onTimeSlack is how late after its execute-at time a due job may start:
// a tenth of the scheduler's default interval (1 s), which a backend that
// waited for the scheduler would miss by far, with room for a loaded
// machine (35 ms were seen with other test suites running beside).
const onTimeSlack = 100 * time.Millisecond

// starts records, for each attempt of each job, how late it started after
// its execute-at time.
type starts struct {
	mu   sync.Mutex
	late map[string][]time.Duration // job ID -> lateness of each attempt
	seen chan struct{}
}

func (s *starts) handler(failFirst bool) runtime.Handler {
	return func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		late := time.Since(job.ExecuteAt)
		s.mu.Lock()
		s.late[job.ID] = append(s.late[job.ID], late)
		s.mu.Unlock()
		s.seen <- struct{}{}
		if failFirst && job.Attempt == 1 {
			return nil, errors.New("first attempt fails")
		}
		return nil, nil
	}
}

// TestDueJobsStartOnTime checks that a scheduled job and a retrying job
// start within onTimeSlack of their execute-at time on the real clock,
// whether one or several workers wait idle on the queue: every blocked
// Dequeue wakes when the earliest due job falls due. The pool's scheduler
// runs every second, so a job it promotes starts up to a second late.
func TestDueJobsStartOnTime(t *testing.T) {
	for _, workers := range []int{1, 4} {
		for _, retry := range []bool{false, true} {
			t.Run(fmt.Sprintf("workers=%d/retry=%v", workers, retry), func(t *testing.T) {
				b := memory.New()
				st := &starts{late: make(map[string][]time.Duration), seen: make(chan struct{}, 16)}
				reg := runtime.NewRegistry()
				if err := reg.Register("timed", st.handler(retry)); err != nil {
					t.Fatal(err)
				}
				pool, err := runtime.NewPool(b, reg, runtime.PoolConfig{
					Logger: slog.New(slog.DiscardHandler),
					Queues: map[string]int{jobs.DefaultQueue: workers},
					Retry:  jobs.RetryPolicy{Backoff: jobs.BackoffConstant, InitialDelay: 200 * time.Millisecond, Jitter: jobs.NoJitter},
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := pool.Start(t.Context()); err != nil {
					t.Fatal(err)
				}
				defer pool.Shutdown(context.Background())
				time.Sleep(50 * time.Millisecond) // the workers wait in Dequeue

				client := runtime.NewClient(b)
				opts := []jobs.EnqueueOption{jobs.WithMaxRetries(1)}
				attempts := 2
				if !retry {
					opts = append(opts, jobs.RunIn(200*time.Millisecond))
					attempts = 1
				}
				job, err := client.Enqueue(t.Context(), "timed", json.RawMessage(`{}`), opts...)
				if err != nil {
					t.Fatal(err)
				}
				for range attempts {
					select {
					case <-st.seen:
					case <-time.After(3 * time.Second):
						t.Fatalf("job %s: %d of %d attempts started in 3 s", job.ID, len(st.late[job.ID]), attempts)
					}
				}
				st.mu.Lock()
				defer st.mu.Unlock()
				last := st.late[job.ID][attempts-1]
				t.Logf("attempt %d started %s after its execute-at time", attempts, last)
				if last > onTimeSlack {
					t.Errorf("attempt %d started %s after its execute-at time; want at most %s", attempts, last, onTimeSlack)
				}
			})
		}
	}
}
