package jobsotel

import (
	"context"
	"maps"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// EnqueueHook returns a client hook that starts a Producer span "jobs
// enqueue <type>" under ctx's span for every job and writes the span's
// context (and ctx's baggage) into the job's Metadata. Install it with
// runtime.WithEnqueueHook; it never refuses a job.
func EnqueueHook(opts ...Option) runtime.EnqueueHook {
	c := newConfig(opts)
	tracer := c.tracer()
	return func(ctx context.Context, job *jobs.Job) error {
		ctx, span := tracer.Start(ctx, "jobs enqueue "+job.Type,
			trace.WithSpanKind(trace.SpanKindProducer),
			trace.WithAttributes(jobAttributes(*job, semconv.MessagingOperationTypeSend, "enqueue")...))
		defer span.End()
		carrier := propagation.MapCarrier{}
		c.textMap().Inject(ctx, carrier)
		if len(carrier) == 0 {
			return nil
		}
		if job.Metadata == nil {
			job.Metadata = make(map[string]string, len(carrier))
		}
		maps.Copy(job.Metadata, carrier)
		return nil
	}
}

// jobAttributes are the attributes both spans of a job carry.
func jobAttributes(job jobs.Job, opType attribute.KeyValue, opName string) []attribute.KeyValue {
	attrs := []attribute.KeyValue{
		semconv.MessagingSystemKey.String(MessagingSystem),
		semconv.MessagingDestinationName(job.Queue),
		semconv.MessagingMessageID(job.ID),
		semconv.MessagingOperationName(opName),
		opType,
		TypeKey.String(job.Type),
	}
	if job.TenantID != "" {
		attrs = append(attrs, TenantKey.String(job.TenantID))
	}
	return attrs
}
