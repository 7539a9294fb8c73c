package jobsotel_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	jobsotel "github.com/jobsgo/jobs/otel"
	"github.com/jobsgo/jobs/runtime"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// TestPoolTracing runs jobs enqueued inside a request span through a real
// pool and checks the trace: request -> producer span -> one consumer span
// per attempt -> the handler's own spans.
func TestPoolTracing(t *testing.T) {
	tp, exp := newTracing(t)
	tracer := tp.Tracer("app")
	backend := memory.New()
	client := runtime.NewClient(backend, runtime.WithEnqueueHook(jobsotel.EnqueueHook(jobsotel.WithTracerProvider(tp))))
	plain := runtime.NewClient(backend)

	reg := runtime.NewRegistry()
	register := func(jobType string, h runtime.Handler) {
		if err := reg.Register(jobType, h); err != nil {
			t.Fatal(err)
		}
	}
	register("send", func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		_, span := tracer.Start(ctx, "smtp")
		span.End()
		return nil, nil
	})
	register("fail", func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		return nil, errors.New("smtp down")
	})
	register("flaky", func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		if job.Attempt == 1 {
			return nil, errors.New("try again")
		}
		return nil, nil
	})
	register("panic", func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		panic("handler bug")
	})
	pool, err := runtime.NewPool(backend, reg, runtime.PoolConfig{
		Queues:            map[string]int{jobs.DefaultQueue: 4, "mail": 2},
		Middleware:        []runtime.Middleware{jobsotel.Middleware(jobsotel.WithTracerProvider(tp))},
		Retry:             jobs.RetryPolicy{Backoff: jobs.BackoffConstant, InitialDelay: time.Millisecond, Jitter: jobs.NoJitter},
		SchedulerInterval: 5 * time.Millisecond,
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pool.Shutdown(context.Background()) })

	tests := []struct {
		name      string
		jobType   string
		untraced  bool // enqueued by a client without the hook
		opts      []jobs.EnqueueOption
		wantState jobs.State
		wantSpans []codes.Code // status of each attempt's span
		wantError string       // error.type of the failed attempts
		nested    string       // a span the handler starts
	}{
		{name: "success with a handler span", jobType: "send", opts: []jobs.EnqueueOption{jobs.WithQueue("mail"), jobs.ForTenant("acme")},
			wantState: jobs.StateCompleted, wantSpans: []codes.Code{codes.Unset}, nested: "smtp"},
		{name: "failure", jobType: "fail", opts: []jobs.EnqueueOption{jobs.WithMaxRetries(0)},
			wantState: jobs.StateFailed, wantSpans: []codes.Code{codes.Error}, wantError: "*errors.errorString"},
		{name: "retry: one span per attempt", jobType: "flaky",
			wantState: jobs.StateCompleted, wantSpans: []codes.Code{codes.Error, codes.Unset}, wantError: "*errors.errorString"},
		{name: "panic fails the attempt", jobType: "panic", opts: []jobs.EnqueueOption{jobs.WithMaxRetries(0)},
			wantState: jobs.StateFailed, wantSpans: []codes.Code{codes.Error}, wantError: "panic"},
		{name: "untraced job gets a root span", jobType: "send", untraced: true,
			wantState: jobs.StateCompleted, wantSpans: []codes.Code{codes.Unset}, nested: "smtp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			reqCtx, req := tracer.Start(ctx, "POST /"+tt.jobType)
			c := client
			if tt.untraced {
				c = plain
			}
			job, err := c.Enqueue(reqCtx, tt.jobType, json.RawMessage(`{}`), tt.opts...)
			req.End()
			if err != nil {
				t.Fatal(err)
			}
			final, _ := client.Wait(ctx, job.ID)
			if final.State != tt.wantState {
				t.Fatalf("job %s, want %s (error %+v)", final.State, tt.wantState, final.Error)
			}

			parent := req.SpanContext()
			if producers := spansOf(exp, "jobs enqueue "+tt.jobType, job.ID); tt.untraced {
				parent = trace.SpanContext{}
				if len(producers) != 0 {
					t.Fatalf("%d producer spans for an untraced job", len(producers))
				}
			} else if len(producers) != 1 || producers[0].Parent.SpanID() != req.SpanContext().SpanID() {
				t.Fatalf("producer spans %v, want one under the request", producers)
			} else {
				parent = producers[0].SpanContext
			}

			consumers := spansOf(exp, "jobs process "+tt.jobType, job.ID)
			if len(consumers) != len(tt.wantSpans) {
				t.Fatalf("%d consumer spans, want %d", len(consumers), len(tt.wantSpans))
			}
			for i, s := range consumers {
				if tt.untraced {
					if s.Parent.IsValid() || s.SpanContext.TraceID() == req.SpanContext().TraceID() {
						t.Errorf("attempt %d: parent %v in trace %v, want a root", i+1, s.Parent.SpanID(), s.SpanContext.TraceID())
					}
				} else if s.Parent.SpanID() != parent.SpanID() || s.SpanContext.TraceID() != req.SpanContext().TraceID() {
					t.Errorf("attempt %d: parent %v in trace %v, want the producer %v in the request's trace %v",
						i+1, s.Parent.SpanID(), s.SpanContext.TraceID(), parent.SpanID(), req.SpanContext().TraceID())
				}
				if s.Status.Code != tt.wantSpans[i] {
					t.Errorf("attempt %d: status %v, want %v", i+1, s.Status, tt.wantSpans[i])
				}
				errType := attribute.Value{}
				if s.Status.Code == codes.Error {
					errType = attribute.StringValue(tt.wantError)
				}
				checkAttrs(t, s, map[attribute.Key]attribute.Value{
					"messaging.destination.name": attribute.StringValue(job.Queue),
					"error.type":                 errType,
					jobsotel.AttemptKey:          attribute.IntValue(i + 1),
					jobsotel.TypeKey:             attribute.StringValue(tt.jobType),
					jobsotel.TenantKey:           optional(job.TenantID),
				})
			}

			last := consumers[len(consumers)-1].SpanContext
			if children := childrenOf(exp, last); tt.nested != "" && (len(children) != 1 || children[0].Name != tt.nested) {
				t.Errorf("spans under the consumer span: %v, want %q", children, tt.nested)
			}
			if tt.wantError == "panic" && (final.Error.Type != jobs.ErrorTypePanic || !strings.Contains(final.Error.Stacktrace, "pool_test.go")) {
				t.Errorf("job error %+v: want a panic with the handler's stack", final.Error)
			}
		})
	}
}
