package jobsotel_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// newTracing returns a tracer provider that exports ended spans at once to
// the returned in-memory exporter.
func newTracing(t *testing.T) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, exp
}

// spansOf returns the ended spans named name whose messaging.message.id is
// jobID, in the order they ended.
func spansOf(exp *tracetest.InMemoryExporter, name, jobID string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == name && attrs(s)["messaging.message.id"].AsString() == jobID {
			out = append(out, s)
		}
	}
	return out
}

// childrenOf returns the ended spans whose parent is parent.
func childrenOf(exp *tracetest.InMemoryExporter, parent trace.SpanContext) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Parent.SpanID() == parent.SpanID() && s.Parent.TraceID() == parent.TraceID() {
			out = append(out, s)
		}
	}
	return out
}

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(s.Attributes))
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// checkAttrs reports the attributes of s that differ from want; a want of
// the zero attribute.Value means the attribute must be absent.
func checkAttrs(t *testing.T, s tracetest.SpanStub, want map[attribute.Key]attribute.Value) {
	t.Helper()
	got := attrs(s)
	for k, w := range want {
		if g, ok := got[k]; (w.Type() == attribute.INVALID) == ok || ok && g != w {
			t.Errorf("span %q: attribute %s = %v (present %t), want %v", s.Name, k, g.Emit(), ok, w.Emit())
		}
	}
}

// optional is s as a wanted attribute value, or absent when s is empty.
func optional(s string) attribute.Value {
	if s == "" {
		return attribute.Value{}
	}
	return attribute.StringValue(s)
}
