package jobsotel_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/jobsgo/jobs"
	jobsotel "github.com/jobsgo/jobs/otel"
	"github.com/jobsgo/jobs/runtime"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

func TestMiddlewareParent(t *testing.T) {
	tp, exp := newTracing(t)
	tracer := tp.Tracer("test")
	_, producer := tracer.Start(context.Background(), "producer")
	producer.End()
	psc := producer.SpanContext()
	traceparent := "00-" + psc.TraceID().String() + "-" + psc.SpanID().String() + "-01"
	// outer stands for a span in the pool's context, which must never
	// become a job's parent.
	outerCtx, outer := tracer.Start(context.Background(), "pool start")
	defer outer.End()

	tests := []struct {
		name      string
		metadata  map[string]string
		opts      []jobsotel.Option
		wantChild bool // of the producer; else a new root
		wantLink  bool // to the producer
	}{
		{name: "child of the producer", metadata: map[string]string{"traceparent": traceparent}, wantChild: true},
		{name: "no metadata: a root", metadata: nil},
		{name: "other metadata: a root", metadata: map[string]string{"request_id": "r1"}},
		{name: "malformed traceparent: a root", metadata: map[string]string{"traceparent": "00-nonsense"}},
		{name: "new trace linked to the producer", metadata: map[string]string{"traceparent": traceparent},
			opts: []jobsotel.Option{jobsotel.WithNewTrace()}, wantLink: true},
		{name: "new trace without producer: a root", metadata: nil, opts: []jobsotel.Option{jobsotel.WithNewTrace()}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := jobs.Job{ID: "job-" + string(rune('a'+i)), Type: "t", Queue: "mail", Attempt: 1, Metadata: tt.metadata}
			mw := jobsotel.Middleware(append([]jobsotel.Option{jobsotel.WithTracerProvider(tp)}, tt.opts...)...)
			var handlerSpan trace.SpanContext
			_, err := mw(func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
				handlerSpan = trace.SpanContextFromContext(ctx)
				return nil, nil
			})(outerCtx, job)
			if err != nil {
				t.Fatal(err)
			}
			spans := spansOf(exp, "jobs process t", job.ID)
			if len(spans) != 1 {
				t.Fatalf("%d consumer spans, want 1", len(spans))
			}
			s := spans[0]
			if s.SpanContext.SpanID() != handlerSpan.SpanID() {
				t.Errorf("handler ran in span %v, want the consumer span %v", handlerSpan.SpanID(), s.SpanContext.SpanID())
			}
			if s.SpanKind != trace.SpanKindConsumer || s.Status.Code != codes.Unset {
				t.Errorf("span kind %v status %v, want consumer, unset", s.SpanKind, s.Status)
			}
			if tt.wantChild {
				if s.Parent.SpanID() != psc.SpanID() || s.SpanContext.TraceID() != psc.TraceID() {
					t.Errorf("parent %v trace %v, want the producer %v in trace %v", s.Parent.SpanID(), s.SpanContext.TraceID(), psc.SpanID(), psc.TraceID())
				}
			} else if s.Parent.IsValid() || s.SpanContext.TraceID() == psc.TraceID() || s.SpanContext.TraceID() == outer.SpanContext().TraceID() {
				t.Errorf("parent %v trace %v, want a root span of a new trace", s.Parent.SpanID(), s.SpanContext.TraceID())
			}
			if linked := len(s.Links) == 1 && s.Links[0].SpanContext.SpanID() == psc.SpanID(); linked != tt.wantLink || !tt.wantLink && len(s.Links) > 0 {
				t.Errorf("links %v, want a link to the producer: %t", s.Links, tt.wantLink)
			}
		})
	}
}

func TestMiddlewareOutcome(t *testing.T) {
	tp, exp := newTracing(t)
	errSMTP := errors.New("smtp down")
	tests := []struct {
		name       string
		handler    runtime.Handler
		tenant     string
		wantErr    error
		wantPanic  any
		wantStatus codes.Code
		wantType   attribute.Value
	}{
		{name: "success", tenant: "acme", wantStatus: codes.Unset,
			handler: func(ctx context.Context, job jobs.Job) (json.RawMessage, error) { return json.RawMessage(`1`), nil }},
		{name: "error", wantErr: errSMTP, wantStatus: codes.Error, wantType: attribute.StringValue("*errors.errorString"),
			handler: func(ctx context.Context, job jobs.Job) (json.RawMessage, error) { return nil, errSMTP }},
		{name: "panic", wantPanic: "boom", wantStatus: codes.Error, wantType: attribute.StringValue("panic"),
			handler: func(ctx context.Context, job jobs.Job) (json.RawMessage, error) { panic("boom") }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := jobs.Job{ID: "job-" + string(rune('a'+i)), Type: "t", Queue: "mail", Attempt: 3, TenantID: tt.tenant}
			h := jobsotel.Middleware(jobsotel.WithTracerProvider(tp))(tt.handler)
			var panicked any
			err := func() (err error) {
				defer func() { panicked = recover() }()
				_, err = h(context.Background(), job)
				return err
			}()
			if err != tt.wantErr || panicked != tt.wantPanic {
				t.Fatalf("err %v, panic %v; want %v, %v: the middleware must not change the outcome", err, panicked, tt.wantErr, tt.wantPanic)
			}
			spans := spansOf(exp, "jobs process t", job.ID)
			if len(spans) != 1 {
				t.Fatalf("%d consumer spans, want 1", len(spans))
			}
			s := spans[0]
			if s.Status.Code != tt.wantStatus {
				t.Errorf("status %v, want %v", s.Status, tt.wantStatus)
			}
			checkAttrs(t, s, map[attribute.Key]attribute.Value{
				"messaging.system":           attribute.StringValue("jobs"),
				"messaging.destination.name": attribute.StringValue("mail"),
				"messaging.operation.name":   attribute.StringValue("process"),
				"messaging.operation.type":   attribute.StringValue("process"),
				"error.type":                 tt.wantType,
				jobsotel.TypeKey:             attribute.StringValue("t"),
				jobsotel.AttemptKey:          attribute.IntValue(3),
				jobsotel.TenantKey:           optional(tt.tenant),
			})
			events := len(s.Events)
			if tt.wantStatus == codes.Error && (events != 1 || s.Events[0].Name != "exception") || tt.wantStatus != codes.Error && events != 0 {
				t.Errorf("events %v, want an exception event only on failure", s.Events)
			}
			if tt.wantPanic != nil && !hasAttr(s.Events[0].Attributes, "exception.stacktrace") {
				t.Errorf("panic event %v has no stack trace", s.Events[0].Attributes)
			}
		})
	}
}

func TestMiddlewareBaggage(t *testing.T) {
	tp, _ := newTracing(t)
	job := jobs.Job{ID: "j1", Type: "t", Metadata: map[string]string{"baggage": "user=42"}}
	var user string
	_, err := jobsotel.Middleware(jobsotel.WithTracerProvider(tp))(func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		user = baggage.FromContext(ctx).Member("user").Value()
		return nil, nil
	})(context.Background(), job)
	if err != nil || user != "42" {
		t.Fatalf("handler saw baggage user=%q (err %v), want 42", user, err)
	}
}

func hasAttr(kvs []attribute.KeyValue, key attribute.Key) bool {
	for _, kv := range kvs {
		if kv.Key == key && kv.Value.AsString() != "" {
			return true
		}
	}
	return false
}
