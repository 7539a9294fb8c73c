package runtime_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

func noop(context.Context, jobs.Job) (json.RawMessage, error) { return nil, nil }

// TestPoolServesHandlerQueuesByDefault checks that a pool with no Queues
// serves the queue of every registered handler, DefaultWorkers each: the
// one declared with WithHandlerQueue, DefaultQueue for the others.
func TestPoolServesHandlerQueuesByDefault(t *testing.T) {
	h := newHarness(t)
	h.register("ship", noop, runtime.WithHandlerQueue("shipping"))
	h.register("mail", noop)
	if got, want := h.reg.Queues(), []string{jobs.DefaultQueue, "shipping"}; !slices.Equal(got, want) {
		t.Fatalf("Registry.Queues = %v; want %v", got, want)
	}
	h.start(runtime.PoolConfig{})
	h.waitState(h.enqueue("ship", jobs.WithQueue("shipping")).ID, jobs.StateCompleted)
	h.waitState(h.enqueue("mail").ID, jobs.StateCompleted)
	s, err := h.backend.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	workers := map[string]int{}
	for _, w := range s.Workers {
		workers[w.Queue]++
	}
	if want := map[string]int{jobs.DefaultQueue: runtime.DefaultWorkers, "shipping": runtime.DefaultWorkers}; !maps.Equal(workers, want) {
		t.Fatalf("workers by queue %v; want %v", workers, want)
	}
}

// TestRegisterRefusesBadQueue checks that a handler's queue is validated.
func TestRegisterRefusesBadQueue(t *testing.T) {
	err := runtime.NewRegistry().Register("ship", noop, runtime.WithHandlerQueue("{ship}"))
	if err == nil || !strings.Contains(err.Error(), `register "ship"`) {
		t.Fatalf("Register with queue {ship} = %v; want an error naming the job type", err)
	}
}

// TestPoolWarnsOfQueueMismatch checks the warnings a pool logs at Start
// for a handler whose queue it does not serve and for a served queue that
// is no handler's queue.
func TestPoolWarnsOfQueueMismatch(t *testing.T) {
	tests := []struct {
		name   string
		queues map[string]int
		want   []string // the queue= of each warning, in order
	}{
		{"typo", map[string]int{"shiping": 1, jobs.DefaultQueue: 1}, []string{"queue=shipping", "queue=shiping"}},
		{"only the default queue", map[string]int{jobs.DefaultQueue: 1}, []string{"queue=shipping"}},
		{"every handler queue", map[string]int{"shipping": 2, jobs.DefaultQueue: 1}, nil},
		{"no queues configured", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.register("ship", noop, runtime.WithHandlerQueue("shipping"))
			h.register("mail", noop)
			logs := &lockedBuffer{}
			h.start(runtime.PoolConfig{Queues: tt.queues, Logger: slog.New(slog.NewTextHandler(logs, nil))})
			var got []string
			for _, line := range logs.lines("level=WARN", "this pool") {
				for f := range strings.FieldsSeq(line) {
					if strings.HasPrefix(f, "queue=") {
						got = append(got, f)
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("warnings about %v; want %v\n%s", got, tt.want, strings.Join(logs.lines("level=WARN"), ""))
			}
			if len(tt.want) > 0 && len(logs.lines("level=WARN", "job_types=[ship]")) != 1 {
				t.Errorf("the warning about an unserved handler queue does not name its job type:\n%s", strings.Join(logs.lines("level=WARN"), ""))
			}
		})
	}
}

// TestPoolWarnsOncePerUnservedQueue checks that a pool warns, once, of jobs
// pending in a queue that no live worker serves (enqueued WithQueue to a
// queue no pool serves), and not of the queues it serves.
func TestPoolWarnsOncePerUnservedQueue(t *testing.T) {
	h := newHarness(t)
	h.register("ship", noop, runtime.WithHandlerQueue("shipping"))
	h.enqueue("ship", jobs.WithQueue("nowhere"))
	h.enqueue("ship", jobs.WithQueue("nowhere"))
	logs := &lockedBuffer{}
	h.start(runtime.PoolConfig{Queues: map[string]int{"shipping": 1}, Lease: 30 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	h.waitState(h.enqueue("ship", jobs.WithQueue("shipping")).ID, jobs.StateCompleted)
	time.Sleep(100 * time.Millisecond) // 10 heartbeats
	warned := logs.lines("level=WARN", "no live worker serves")
	if len(warned) != 1 || !strings.Contains(warned[0], "queue=nowhere") || !strings.Contains(warned[0], "pending=2") {
		t.Fatalf("warnings of unserved queues:\n%s\nwant one, of queue nowhere with 2 pending jobs", strings.Join(warned, ""))
	}
}

// TestStatsUnservedQueues checks which queues Stats.UnservedQueues lists.
func TestStatsUnservedQueues(t *testing.T) {
	tests := []struct {
		name    string
		queues  []jobs.QueueStats
		workers []string // the queue of each live worker
		want    []string
	}{
		{"pending and no worker", []jobs.QueueStats{{Name: "a", Pending: 1}}, nil, []string{"a"}},
		{"pending and a worker", []jobs.QueueStats{{Name: "a", Pending: 3}}, []string{"a"}, nil},
		{"no pending job", []jobs.QueueStats{{Name: "a", Scheduled: 2}}, nil, nil},
		{"a worker of another queue", []jobs.QueueStats{{Name: "b", Pending: 1}, {Name: "a", Pending: 1}}, []string{"c"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := jobs.Stats{Queues: tt.queues}
			for _, q := range tt.workers {
				s.Workers = append(s.Workers, jobs.WorkerInfo{Queue: q})
			}
			if got := s.UnservedQueues(); !slices.Equal(got, tt.want) {
				t.Fatalf("UnservedQueues = %v; want %v", got, tt.want)
			}
		})
	}
}
