package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
)

// countingBackend counts Enqueue calls; any other call panics (its
// embedded Backend is nil), so a refused enqueue provably reached nothing.
type countingBackend struct {
	jobs.Backend
	enqueues int
}

func (b *countingBackend) Enqueue(context.Context, ...jobs.Job) error {
	b.enqueues++
	return nil
}

// argsOf returns JSON args of exactly n bytes: a string.
func argsOf(n int) json.RawMessage {
	return json.RawMessage(`"` + strings.Repeat("x", n-2) + `"`)
}

// TestEnqueueRefusesLargePayload checks the client's payload limit on
// every enqueue path: args over it fail with ErrPayloadTooLarge (and
// ErrInvalidJob), naming the type, size and limit, without any call to the
// backend; args at the limit, or any size without a limit, go through.
func TestEnqueueRefusesLargePayload(t *testing.T) {
	grow := func(_ context.Context, j *jobs.Job) error { j.Args = argsOf(200); return nil }
	enqueue := func(ctx context.Context, c *runtime.Client, args json.RawMessage) error {
		_, err := c.Enqueue(ctx, "big", args)
		return err
	}
	batch := func(ctx context.Context, c *runtime.Client, args json.RawMessage) error {
		_, err := c.EnqueueBatch(ctx, []runtime.EnqueueRequest{{Type: "small"}, {Type: "big", Args: args}})
		return err
	}
	value := func(ctx context.Context, c *runtime.Client, args json.RawMessage) error {
		var s string
		if err := json.Unmarshal(args, &s); err != nil {
			return err
		}
		_, err := runtime.EnqueueValue(ctx, c, "big", s)
		return err
	}
	const mib = runtime.DefaultMaxPayloadSize
	cases := []struct {
		name  string
		opts  []runtime.ClientOption
		size  int
		limit int // the limit named in the error; 0: the call succeeds
		call  func(context.Context, *runtime.Client, json.RawMessage) error
	}{
		{"default limit, Enqueue", nil, mib + 1, mib, enqueue},
		{"default limit, EnqueueBatch", nil, mib + 1, mib, batch},
		{"default limit, EnqueueValue", nil, mib + 1, mib, value},
		{"default limit, at the limit", nil, mib, 0, enqueue},
		{"zero keeps the default", []runtime.ClientOption{runtime.WithMaxPayloadSize(0)}, mib + 1, mib, enqueue},
		{"own limit", []runtime.ClientOption{runtime.WithMaxPayloadSize(100)}, 101, 100, batch},
		{"own limit, at the limit", []runtime.ClientOption{runtime.WithMaxPayloadSize(100)}, 100, 0, value},
		{"no limit", []runtime.ClientOption{runtime.WithMaxPayloadSize(runtime.NoPayloadLimit)}, 3 * mib, 0, enqueue},
		{"a hook grows the args", []runtime.ClientOption{runtime.WithMaxPayloadSize(100), runtime.WithEnqueueHook(grow)}, 10, 100, enqueue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := &countingBackend{}
			err := c.call(context.Background(), runtime.NewClient(b, c.opts...), argsOf(c.size))
			if c.limit == 0 {
				if err != nil || b.enqueues != 1 {
					t.Fatalf("err = %v after %d backend calls; want the job enqueued", err, b.enqueues)
				}
				return
			}
			if !errors.Is(err, jobs.ErrPayloadTooLarge) || !errors.Is(err, jobs.ErrInvalidJob) {
				t.Fatalf("err = %v; want ErrPayloadTooLarge", err)
			}
			if want := fmt.Sprintf("over the limit of %d", c.limit); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "big job args") {
				t.Fatalf("err = %q; want it to name the job type and %q", err, want)
			}
			if b.enqueues != 0 {
				t.Fatalf("the backend was called %d times for a refused payload", b.enqueues)
			}
		})
	}
}

// TestPeriodicPayloadLimit checks that NewPool refuses a schedule whose
// args exceed PoolConfig.MaxPayloadSize (default 1 MiB), rather than fail
// at every tick.
func TestPeriodicPayloadLimit(t *testing.T) {
	reg := runtime.NewRegistry()
	if err := reg.Register("big", func(context.Context, jobs.Job) (json.RawMessage, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	schedule := runtime.Schedule{Name: "s", Spec: "@daily", JobType: "big", Args: argsOf(runtime.DefaultMaxPayloadSize + 1)}
	for _, c := range []struct {
		limit  int
		refuse bool
	}{{0, true}, {runtime.NoPayloadLimit, false}, {2 * runtime.DefaultMaxPayloadSize, false}} {
		_, err := runtime.NewPool(memory.New(), reg, runtime.PoolConfig{Schedules: []runtime.Schedule{schedule}, MaxPayloadSize: c.limit, Logger: quietLogger()})
		if refused := errors.Is(err, jobs.ErrPayloadTooLarge); refused != c.refuse || (err != nil && !refused) {
			t.Errorf("MaxPayloadSize %d: err = %v; want refused: %v", c.limit, err, c.refuse)
		}
	}
}
