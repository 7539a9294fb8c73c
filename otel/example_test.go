package jobsotel_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/memory"
	jobsotel "github.com/jobsgo/jobs/otel"
	"github.com/jobsgo/jobs/runtime"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// A request enqueues a job; the worker's span, and the spans its handler
// starts, continue the request's trace.
func Example() {
	ctx := context.Background()
	exporter := tracetest.NewInMemoryExporter() // an OTLP exporter in production
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exporter))
	defer tp.Shutdown(ctx)
	tracer := tp.Tracer("app")

	backend := memory.New()
	client := runtime.NewClient(backend,
		runtime.WithEnqueueHook(jobsotel.EnqueueHook(jobsotel.WithTracerProvider(tp))))
	reg := runtime.NewRegistry()
	_ = reg.Register("email.send", func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
		_, span := tracer.Start(ctx, "smtp") // nests under the job's span
		defer span.End()
		return nil, nil
	})
	pool, _ := runtime.NewPool(backend, reg, runtime.PoolConfig{
		Middleware: []runtime.Middleware{jobsotel.Middleware(jobsotel.WithTracerProvider(tp))},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	_ = pool.Start(ctx)
	defer pool.Shutdown(ctx)

	reqCtx, req := tracer.Start(ctx, "POST /signup")
	job, _ := client.Enqueue(reqCtx, "email.send", json.RawMessage(`{}`))
	req.End()
	_, _ = client.Wait(ctx, job.ID)

	printTree(exporter.GetSpans(), trace.SpanID{}, 0)
	// Output:
	// POST /signup
	//   jobs enqueue email.send (producer)
	//     jobs process email.send (consumer)
	//       smtp
}

// The usual setup: the application sets the global tracer provider (and,
// optionally, the global propagator) and installs the hook on its clients
// and the middleware on its pools. (README.md quotes the code between the
// markers.)
func Example_setup() {
	ctx := context.Background()
	backend := memory.New()
	registry := runtime.NewRegistry()
	_ = registry.Register("email.send", func(ctx context.Context, job jobs.Job) (json.RawMessage, error) { return nil, nil })
	if err := setupTracing(ctx, backend, registry); err != nil {
		log.Fatal(err)
	}
}

// setupTracing holds the code README.md quotes between the markers, in the
// scope the README states.
func setupTracing(ctx context.Context, backend jobs.Backend, registry *runtime.Registry) error {
	// README: tracing
	// otel.SetTracerProvider(tp) once at start-up, e.g. with an OTLP exporter
	client := runtime.NewClient(backend, runtime.WithEnqueueHook(jobsotel.EnqueueHook()))
	pool, err := runtime.NewPool(backend, registry, runtime.PoolConfig{
		Middleware: []runtime.Middleware{jobsotel.Middleware()},
	})
	if err != nil {
		return err
	}
	// README: end
	if err := pool.Start(ctx); err != nil {
		return err
	}
	defer pool.Shutdown(ctx)
	_, err = client.Enqueue(ctx, "email.send", json.RawMessage(`{}`))
	return err
}

// printTree prints the spans under parent, indented by depth.
func printTree(spans tracetest.SpanStubs, parent trace.SpanID, depth int) {
	for _, s := range spans {
		if s.Parent.SpanID() != parent {
			continue
		}
		kind := ""
		if s.SpanKind == trace.SpanKindProducer || s.SpanKind == trace.SpanKindConsumer {
			kind = " (" + s.SpanKind.String() + ")"
		}
		fmt.Printf("%s%s%s\n", strings.Repeat("  ", depth), s.Name, kind)
		printTree(spans, s.SpanContext.SpanID(), depth+1)
	}
}
