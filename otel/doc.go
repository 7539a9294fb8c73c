// Package jobsotel traces jobs with OpenTelemetry across the queue: the
// trace context of the request that enqueues a job is stored with the job,
// and the handler runs in a span that continues that trace.
//
// The package's name is jobsotel so that it can be imported next to
// go.opentelemetry.io/otel without an alias.
//
// # Enqueueing
//
// EnqueueHook, installed on a client with runtime.WithEnqueueHook, starts a
// short span of kind Producer, "jobs enqueue <type>", for every job (a child
// of the caller's span, if any) and writes its context into the job's
// Metadata with a text-map propagator: with the W3C propagators, the
// "traceparent", "tracestate" and "baggage" entries. The span ends when the
// job is handed to the backend, so a failed store is not recorded on it.
//
// # Processing
//
// Middleware, installed in runtime.PoolConfig.Middleware, extracts that
// context and runs every attempt in a span of kind Consumer, "jobs process
// <type>", whose parent is the producer span: each attempt, retries
// included, is a child of the enqueue that made the job, which the OTel
// messaging conventions allow for messages processed one at a time. With
// WithNewTrace the consumer span instead starts a new trace that links to
// the producer span, which suits jobs that run long after their request.
// A job without trace metadata (enqueued by a client without the hook, or
// by a periodic schedule) gets a root span. The handler receives the
// span's context, so the spans it starts nest under the consumer span; a
// failed attempt records the error and sets the span's status to Error,
// and a panic is recorded, then re-raised for the pool's RecoverPanics.
//
// Both spans carry the messaging attributes messaging.system ("jobs"),
// messaging.destination.name (the queue), messaging.message.id (the job
// ID), messaging.operation.name and messaging.operation.type, the job's
// type (TypeKey) and its tenant when it has one (TenantKey); the consumer
// span also carries the attempt number (AttemptKey). A failed attempt's
// span also has error.type: "panic" for a panic, else the error's Go type.
//
// # Propagator
//
// By default both sides use otel.GetTextMapPropagator() at the time of each
// call; while no global propagator is set (the OTel default propagates
// nothing), they use W3C trace context and baggage instead, so tracing
// works without setup. WithPropagator overrides both.
package jobsotel
