package jobsotel

import (
	"context"
	"encoding/json"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Middleware returns pool middleware that runs every attempt in a Consumer
// span "jobs process <type>", the child of the producer span whose context
// EnqueueHook stored in the job's Metadata (a root span when there is
// none; see WithNewTrace), and hands the span's context to the handler. A
// failed attempt records its error and sets the span's status to Error; a
// panic is recorded the same way and then re-raised.
func Middleware(opts ...Option) runtime.Middleware {
	c := newConfig(opts)
	tracer := c.tracer()
	return func(next runtime.Handler) runtime.Handler {
		return func(ctx context.Context, job jobs.Job) (result json.RawMessage, err error) {
			ctx, span := c.startConsumer(ctx, tracer, job)
			defer func() {
				v := recover()
				if v != nil {
					err = &runtime.PanicError{Value: v}
				}
				finish(span, err, v != nil)
				if v != nil {
					panic(v)
				}
			}()
			return next(ctx, job)
		}
	}
}

// finish ends span, recording err, if any, as its error; panicked records
// the stack trace too and sets error.type to "panic".
func finish(span trace.Span, err error, panicked bool) {
	defer span.End()
	if err == nil {
		return
	}
	span.SetStatus(codes.Error, err.Error())
	if panicked {
		span.RecordError(err, trace.WithStackTrace(true))
		span.SetAttributes(semconv.ErrorTypeKey.String(jobs.ErrorTypePanic))
		return
	}
	span.RecordError(err)
	span.SetAttributes(semconv.ErrorType(err))
}

// startConsumer starts the consumer span of job: the child of the producer
// span whose context is in the job's Metadata, a new root linked to it
// (WithNewTrace), or a new root when the job carries no trace context. A
// span already in ctx (say, of the code that started the pool) never
// becomes the parent. The returned context also holds the job's baggage.
func (c config) startConsumer(ctx context.Context, tracer trace.Tracer, job jobs.Job) (context.Context, trace.Span) {
	ctx = trace.ContextWithSpanContext(ctx, trace.SpanContext{})
	ctx = c.textMap().Extract(ctx, propagation.MapCarrier(job.Metadata))
	attrs := append(jobAttributes(job, semconv.MessagingOperationTypeProcess, "process"), AttemptKey.Int(job.Attempt))
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attrs...)}
	if producer := trace.SpanContextFromContext(ctx); c.newTrace && producer.IsValid() {
		opts = append(opts, trace.WithNewRoot(), trace.WithLinks(trace.Link{SpanContext: producer}))
	}
	return tracer.Start(ctx, "jobs process "+job.Type, opts...)
}
