package jobsotel_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	jobsotel "github.com/jobsgo/jobs/otel"
	"github.com/jobsgo/jobs/runtime"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

func TestEnqueueHook(t *testing.T) {
	tp, exp := newTracing(t)
	member, _ := baggage.NewMember("user", "42")
	bag, _ := baggage.New(member)
	parentCtx, parent := tp.Tracer("test").Start(context.Background(), "request")
	parent.End()
	// remote is a span context from elsewhere, for the no-op provider.
	remote := trace.ContextWithSpanContext(context.Background(), parent.SpanContext())

	tests := []struct {
		name         string
		ctx          context.Context
		opts         []jobsotel.Option
		enqueue      []jobs.EnqueueOption
		wantParent   trace.SpanContext // of the producer span; invalid: a root
		wantTraceID  trace.TraceID     // zero: a new one
		wantMetadata []string          // keys that must be there
		noMetadata   []string          // keys that must not
	}{
		{name: "inside a span", ctx: parentCtx, wantParent: parent.SpanContext(), wantTraceID: parent.SpanContext().TraceID(),
			wantMetadata: []string{"traceparent"}, noMetadata: []string{"baggage"}},
		{name: "without a span the producer span is a root", ctx: context.Background(),
			wantMetadata: []string{"traceparent"}},
		{name: "baggage and caller metadata", ctx: baggage.ContextWithBaggage(parentCtx, bag),
			enqueue:    []jobs.EnqueueOption{jobs.WithMetadata("request_id", "r1"), jobs.ForTenant("acme")},
			wantParent: parent.SpanContext(), wantTraceID: parent.SpanContext().TraceID(),
			wantMetadata: []string{"traceparent", "baggage", "request_id"}},
		{name: "custom propagator", ctx: baggage.ContextWithBaggage(parentCtx, bag),
			opts:       []jobsotel.Option{jobsotel.WithPropagator(propagation.TraceContext{})},
			wantParent: parent.SpanContext(), wantTraceID: parent.SpanContext().TraceID(),
			wantMetadata: []string{"traceparent"}, noMetadata: []string{"baggage"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := memory.New()
			hook := jobsotel.EnqueueHook(append([]jobsotel.Option{jobsotel.WithTracerProvider(tp)}, tt.opts...)...)
			job, err := runtime.NewClient(b, runtime.WithEnqueueHook(hook)).Enqueue(tt.ctx, "email.send", json.RawMessage(`{}`), tt.enqueue...)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := b.Job(context.Background(), job.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tt.wantMetadata {
				if stored.Metadata[k] == "" {
					t.Errorf("stored metadata %v lacks %q", stored.Metadata, k)
				}
			}
			for _, k := range tt.noMetadata {
				if _, ok := stored.Metadata[k]; ok {
					t.Errorf("stored metadata %v has %q", stored.Metadata, k)
				}
			}
			spans := spansOf(exp, "jobs enqueue email.send", job.ID)
			if len(spans) != 1 {
				t.Fatalf("%d producer spans, want 1", len(spans))
			}
			producer := spans[0]
			if producer.SpanKind != trace.SpanKindProducer || producer.Parent.SpanID() != tt.wantParent.SpanID() {
				t.Errorf("producer span kind %v, parent %v; want producer, parent %v", producer.SpanKind, producer.Parent.SpanID(), tt.wantParent.SpanID())
			}
			if tt.wantTraceID.IsValid() && producer.SpanContext.TraceID() != tt.wantTraceID {
				t.Errorf("producer trace %v, want the request's %v", producer.SpanContext.TraceID(), tt.wantTraceID)
			}
			sc := producer.SpanContext
			if want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"; stored.Metadata["traceparent"] != want {
				t.Errorf("traceparent %q, want the producer span's %q", stored.Metadata["traceparent"], want)
			}
			checkAttrs(t, producer, map[attribute.Key]attribute.Value{
				"messaging.system":           attribute.StringValue("jobs"),
				"messaging.destination.name": attribute.StringValue(jobs.DefaultQueue),
				"messaging.operation.name":   attribute.StringValue("enqueue"),
				"messaging.operation.type":   attribute.StringValue("send"),
				jobsotel.TypeKey:             attribute.StringValue("email.send"),
				jobsotel.TenantKey:           optional(job.TenantID),
			})
		})
	}

	t.Run("no-op provider still propagates the caller's span", func(t *testing.T) {
		hook := jobsotel.EnqueueHook(jobsotel.WithTracerProvider(noop.NewTracerProvider()))
		job := jobs.Job{ID: "j1", Type: "t"}
		if err := hook(remote, &job); err != nil {
			t.Fatal(err)
		}
		if tp := job.Metadata["traceparent"]; !strings.Contains(tp, parent.SpanContext().SpanID().String()) {
			t.Fatalf("traceparent %q, want the caller's span %v", tp, parent.SpanContext().SpanID())
		}
		job = jobs.Job{ID: "j2", Type: "t"}
		if err := hook(context.Background(), &job); err != nil || job.Metadata != nil {
			t.Fatalf("no trace to propagate: metadata %v (err %v), want none", job.Metadata, err)
		}
	})
}

func TestEnqueueHookBatchSpans(t *testing.T) {
	tp, exp := newTracing(t)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "request")
	defer parent.End()
	c := runtime.NewClient(memory.New(), runtime.WithEnqueueHook(jobsotel.EnqueueHook(jobsotel.WithTracerProvider(tp))))
	batch, err := c.EnqueueBatch(ctx, []runtime.EnqueueRequest{{Type: "a"}, {Type: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if batch[0].Metadata["traceparent"] == batch[1].Metadata["traceparent"] {
		t.Fatalf("both jobs carry %q; want one producer span each", batch[0].Metadata["traceparent"])
	}
	for _, j := range batch {
		if s := spansOf(exp, "jobs enqueue "+j.Type, j.ID); len(s) != 1 || s[0].Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Fatalf("job %s: producer spans %v, want one under the request", j.Type, s)
		}
	}
}

// TestGlobalPropagator checks that a global propagator, once set, replaces
// the W3C default. It changes process-wide state: not parallel.
func TestGlobalPropagator(t *testing.T) {
	otel.SetTextMapPropagator(propagation.Baggage{})
	t.Cleanup(func() { otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator()) })
	tp, _ := newTracing(t)
	member, _ := baggage.NewMember("user", "42")
	bag, _ := baggage.New(member)
	ctx, span := tp.Tracer("test").Start(baggage.ContextWithBaggage(context.Background(), bag), "request")
	defer span.End()
	job := jobs.Job{ID: "j1", Type: "t"}
	if err := jobsotel.EnqueueHook(jobsotel.WithTracerProvider(tp))(ctx, &job); err != nil {
		t.Fatal(err)
	}
	if _, ok := job.Metadata["traceparent"]; ok || job.Metadata["baggage"] != "user=42" {
		t.Fatalf("metadata %v, want only the global propagator's baggage", job.Metadata)
	}
}
