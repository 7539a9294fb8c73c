package jobsotel

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of the tracer that starts this
// package's spans.
const ScopeName = "github.com/jobsgo/jobs/otel"

// MessagingSystem is the messaging.system attribute of every span.
const MessagingSystem = "jobs"

// Attribute keys of the job fields that have no messaging convention.
const (
	TypeKey    = attribute.Key("jobs.job.type")    // the job type
	AttemptKey = attribute.Key("jobs.job.attempt") // the attempt number, from 1
	TenantKey  = attribute.Key("jobs.tenant.id")   // the job's tenant, when set
)

// Option configures EnqueueHook and Middleware.
type Option func(*config)

type config struct {
	provider   trace.TracerProvider
	propagator propagation.TextMapPropagator // nil: the global one, else W3C
	newTrace   bool
}

// WithTracerProvider starts spans with tp instead of
// otel.GetTracerProvider().
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) {
		if tp != nil {
			c.provider = tp
		}
	}
}

// WithPropagator writes and reads the trace context in job metadata with p
// instead of otel.GetTextMapPropagator() (or W3C trace context and baggage
// while no global propagator is set). Enqueue hook and middleware must use
// propagators that agree.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(c *config) { c.propagator = p }
}

// WithNewTrace makes Middleware start every consumer span as the root of a
// new trace with a link to the producer span, instead of as its child. Use
// it when jobs run long after the request that enqueued them (scheduled
// jobs, long retry backoffs) and should not stretch the request's trace.
// EnqueueHook ignores it.
func WithNewTrace() Option {
	return func(c *config) { c.newTrace = true }
}

func newConfig(opts []Option) config {
	c := config{provider: otel.GetTracerProvider()}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func (c config) tracer() trace.Tracer {
	return c.provider.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL))
}

// w3c is the propagator used while none is configured or set globally.
var w3c = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

// textMap returns the propagator to use now: the configured one, else the
// global one if it propagates anything, else W3C.
func (c config) textMap() propagation.TextMapPropagator {
	if c.propagator != nil {
		return c.propagator
	}
	if p := otel.GetTextMapPropagator(); len(p.Fields()) > 0 {
		return p
	}
	return w3c
}
