package runtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/runtime"
)

type ctxKey struct{}

func TestEnqueueHooks(t *testing.T) {
	stamp := func(ctx context.Context, j *jobs.Job) error {
		if j.Metadata == nil {
			j.Metadata = map[string]string{}
		}
		j.Metadata["request"], _ = ctx.Value(ctxKey{}).(string)
		return nil
	}
	refuse := func(ctx context.Context, j *jobs.Job) error {
		if j.Type == "forbidden" {
			return errors.New("not allowed")
		}
		return nil
	}
	b := memory.New()
	c := runtime.NewClient(b, runtime.WithEnqueueHook(stamp, refuse))
	ctx := context.WithValue(context.Background(), ctxKey{}, "req-7")

	job, err := c.Enqueue(ctx, "ok", json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := b.Job(ctx, job.ID)
	if err != nil || stored.Metadata["request"] != "req-7" {
		t.Fatalf("stored metadata %v (err %v), want request=req-7 from the hook", stored.Metadata, err)
	}
	batch, err := c.EnqueueBatch(ctx, []runtime.EnqueueRequest{{Type: "a"}, {Type: "b"}})
	if err != nil || batch[1].Metadata["request"] != "req-7" {
		t.Fatalf("batch %v (err %v): hooks did not run on every job", batch, err)
	}
	if _, err := c.Enqueue(ctx, "forbidden", nil); err == nil || err.Error() != "enqueue forbidden job: not allowed" {
		t.Fatalf("err = %v, want the hook's refusal", err)
	}
	if n, _ := b.Size(ctx, jobs.DefaultQueue); n != 3 {
		t.Fatalf("queue holds %d jobs, want 3 (the refused one not stored)", n)
	}
}

func TestClientResultAndWait(t *testing.T) {
	ctx := context.Background()
	b := memory.New()
	c := runtime.NewClient(b)
	job, err := c.Enqueue(ctx, "t", json.RawMessage(`{}`), jobs.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Result(ctx, job.ID); !errors.Is(err, jobs.ErrJobNotFinished) {
		t.Fatalf("result of a pending job: %v, want ErrJobNotFinished", err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := c.Wait(waitCtx, job.ID); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait on a job nobody runs: %v, want the context's deadline", err)
	}
	if _, err := c.Result(ctx, "nope"); !errors.Is(err, jobs.ErrJobNotFound) {
		t.Fatalf("result of an unknown job: %v", err)
	}
	leased, err := b.Dequeue(ctx, jobs.DefaultQueue, 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	failed, _ := leased[0].Fail(jobs.JobError{Message: "bad", Type: "error"}, leased[0].StartedAt)
	if err := b.Ack(ctx, failed); err != nil {
		t.Fatal(err)
	}
	if _, err := runtime.WaitValue[map[string]int](ctx, c, "other", job.ID); !errors.Is(err, jobs.ErrWrongJobType) {
		t.Fatalf("wait for a t job as an other job: %v, want ErrWrongJobType", err)
	}
	_, err = runtime.WaitValue[map[string]int](ctx, c, "t", job.ID)
	var jf *jobs.JobFailedError
	if !errors.As(err, &jf) || !errors.Is(err, jobs.ErrJobFailed) || err.Error() != "job "+job.ID+" failed after 1 attempt: bad" {
		t.Fatalf("wait on a failed job: %v", err)
	}
}

// recordingBackend records the jobs given to Enqueue.
type recordingBackend struct {
	jobs.Backend
	got []jobs.Job
}

func (r *recordingBackend) Enqueue(ctx context.Context, batch ...jobs.Job) error {
	r.got = append(r.got, batch...)
	return r.Backend.Enqueue(ctx, batch...)
}

// TestClientMarksFreshIDs: the client tells the backend which IDs NewJob
// generated for the call (FreshID), so that the backend need not look for
// them; not a caller's ID, nor one a hook replaced; and the jobs it returns
// are not marked, so that enqueueing one of them again is checked.
func TestClientMarksFreshIDs(t *testing.T) {
	renameHook := func(_ context.Context, j *jobs.Job) error {
		if j.Type == "renamed" {
			j.ID = "renamed-by-hook"
		}
		return nil
	}
	tests := []struct {
		name    string
		jobType string
		opts    []jobs.EnqueueOption
		batch   bool
		want    bool
	}{
		{"generated", "plain", nil, false, true},
		{"generated, in a batch", "plain", nil, true, true},
		{"caller's ID", "plain", []jobs.EnqueueOption{jobs.WithJobID("mine-1")}, false, false},
		{"caller's ID, in a batch", "plain", []jobs.EnqueueOption{jobs.WithJobID("mine-2")}, true, false},
		{"replaced by a hook", "renamed", nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recordingBackend{Backend: memory.New()}
			c := runtime.NewClient(rec, runtime.WithEnqueueHook(renameHook))
			ctx := context.Background()
			var returned []jobs.Job
			if tt.batch {
				var err error
				returned, err = c.EnqueueBatch(ctx, []runtime.EnqueueRequest{{Type: tt.jobType, Options: tt.opts}})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				j, err := c.Enqueue(ctx, tt.jobType, nil, tt.opts...)
				if err != nil {
					t.Fatal(err)
				}
				returned = []jobs.Job{j}
			}
			if len(rec.got) != 1 || rec.got[0].FreshID != tt.want {
				t.Fatalf("the backend got %d jobs, FreshID %v; want 1, %v", len(rec.got), rec.got[0].FreshID, tt.want)
			}
			if returned[0].FreshID {
				t.Error("the returned job is marked FreshID")
			}
		})
	}
}

// singleBackend is a recordingBackend with the SingleEnqueuer capability,
// counting the calls of each port.
type singleBackend struct {
	recordingBackend
	ones, batches int
}

func (s *singleBackend) Enqueue(ctx context.Context, batch ...jobs.Job) error {
	s.batches++
	return s.recordingBackend.Enqueue(ctx, batch...)
}

func (s *singleBackend) EnqueueOne(ctx context.Context, j jobs.Job) error {
	s.ones++
	return s.recordingBackend.Enqueue(ctx, j)
}

// TestClientEnqueuesOneByValue: a lone Enqueue goes to EnqueueOne when the
// backend has it (jobs.SingleEnqueuer) and to Enqueue when it does not; a
// batch always goes to Enqueue. Either way the job is stored as asked.
func TestClientEnqueuesOneByValue(t *testing.T) {
	ctx := context.Background()
	single := &singleBackend{recordingBackend: recordingBackend{Backend: memory.New()}}
	plain := &recordingBackend{Backend: memory.New()}
	for _, b := range []jobs.Backend{single, plain} {
		c := runtime.NewClient(b)
		j, err := c.Enqueue(ctx, "lone", []byte(`{"n":1}`), jobs.WithQueue("q"))
		if err != nil {
			t.Fatalf("%T: Enqueue: %v", b, err)
		}
		if _, err := c.EnqueueBatch(ctx, []runtime.EnqueueRequest{{Type: "batched"}, {Type: "batched"}}); err != nil {
			t.Fatalf("%T: EnqueueBatch: %v", b, err)
		}
		stored, err := b.Job(ctx, j.ID)
		if err != nil || stored.Type != "lone" || stored.Queue != "q" || string(stored.Args) != `{"n":1}` {
			t.Errorf("%T: the lone job was stored as %+v, %v", b, stored, err)
		}
	}
	if single.ones != 1 || single.batches != 1 {
		t.Errorf("a backend with EnqueueOne got %d EnqueueOne and %d Enqueue calls, want 1 and 1", single.ones, single.batches)
	}
	if len(plain.got) != 3 {
		t.Errorf("a backend without EnqueueOne got %d jobs through Enqueue, want 3", len(plain.got))
	}
}
