// Package metrics exports Prometheus metrics of jobs: counters and
// histograms from a middleware that sees every attempt this process runs,
// and gauges read from the backend on each scrape.
//
//	m := metrics.New()
//	reg := prometheus.NewRegistry()
//	reg.MustRegister(m, metrics.NewStatsCollector(backend))
//	pool, err := runtime.NewPool(backend, registry, runtime.PoolConfig{
//		Middleware: []runtime.Middleware{m.Middleware},
//	})
//	reg.MustRegister(metrics.NewPoolCollector(pool))
//	http.Handle("/metrics", metrics.Handler(reg))
//
// # Metrics
//
// From the middleware (this process's attempts), labelled queue and type:
//
//	jobs_processed_total             attempts whose handler returned (or panicked)
//	jobs_succeeded_total             attempts whose handler returned no error
//	jobs_retried_total               failed attempts the job will be retried after
//	jobs_failed_total                failed attempts that sent the job to the dead-letter queue
//	jobs_interrupted_total           attempts cut short by shutdown or a lost lease
//	jobs_handler_duration_seconds    histogram of handler run time
//	jobs_start_latency_seconds       histogram of StartedAt - ExecuteAt: how long
//	                                 a due job waited for a worker
//
// processed = succeeded + retried + failed + interrupted.
//
// From the backend on each scrape (every process's jobs), labelled queue:
//
//	jobs_queue_size                  pending jobs
//	jobs_queue_scheduled             scheduled jobs
//	jobs_queue_retrying              jobs waiting for a retry
//	jobs_queue_running               running jobs
//	jobs_queue_dead_letters          jobs in the dead-letter queue
//	jobs_queue_paused                1 when the queue is paused
//	jobs_workers                     live workers, labelled queue and status (idle, running)
//	jobs_backend_up                  1 when the last scrape could read the backend's stats
//
// From the pool itself (NewPoolCollector), this process's pool:
//
//	jobs_handlers_abandoned_total    handlers given up on because they did not return
//	                                 within PoolConfig.TimeoutGrace of their context's
//	                                 end (their attempts are not in the counters above)
//
// # Retried or failed
//
// A middleware sees the handler's error but not the pool's decision, so it
// predicts it as the pool makes it: a failed attempt is counted failed when
// the error wraps jobs.ErrSkipRetry or jobs.ErrTenantNotFound (the
// pool's default for an unknown tenant), or when the job has no retries
// left (Job.RetriesLeft() == 0: Attempt, counted at start, has reached
// MaxRetries+1); otherwise retried. A panic counts as a failed attempt like
// an error. An error returned after the attempt's context was cancelled (not
// timed out) is counted interrupted: the pool hands such a job back without
// counting the attempt. Failures the pool decides before any middleware runs
// (an unknown job type, a tenant job without tenant ID) and a result that is
// not valid JSON are not seen; jobs_queue_dead_letters counts every dead
// job whatever sent it there.
package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Default histogram buckets, in seconds.
var (
	DefaultDurationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800}
	DefaultLatencyBuckets  = []float64{.001, .005, .01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900, 3600}
)

// Option configures Metrics.
type Option func(*options)

type options struct {
	durationBuckets []float64
	latencyBuckets  []float64
}

// WithDurationBuckets sets the buckets of jobs_handler_duration_seconds.
func WithDurationBuckets(b ...float64) Option {
	return func(o *options) { o.durationBuckets = b }
}

// WithLatencyBuckets sets the buckets of jobs_start_latency_seconds.
func WithLatencyBuckets(b ...float64) Option {
	return func(o *options) { o.latencyBuckets = b }
}

// Metrics holds the middleware's counters and histograms. It is a
// prometheus.Collector: register it, and install Middleware in the pool.
type Metrics struct {
	processed   *prometheus.CounterVec
	succeeded   *prometheus.CounterVec
	retried     *prometheus.CounterVec
	failed      *prometheus.CounterVec
	interrupted *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	latency     *prometheus.HistogramVec
}

var _ prometheus.Collector = (*Metrics)(nil)

// New returns unregistered metrics.
func New(opts ...Option) *Metrics {
	o := options{durationBuckets: DefaultDurationBuckets, latencyBuckets: DefaultLatencyBuckets}
	for _, opt := range opts {
		opt(&o)
	}
	labels := []string{"queue", "type"}
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	return &Metrics{
		processed:   counter("jobs_processed_total", "Attempts whose handler returned or panicked."),
		succeeded:   counter("jobs_succeeded_total", "Attempts whose handler returned no error."),
		retried:     counter("jobs_retried_total", "Failed attempts after which the job is retried."),
		failed:      counter("jobs_failed_total", "Failed attempts that sent the job to the dead-letter queue."),
		interrupted: counter("jobs_interrupted_total", "Attempts cut short by a shutdown or a lost lease; the job runs again."),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jobs_handler_duration_seconds",
			Help:    "Time the handler (with the middleware inside this one) ran.",
			Buckets: o.durationBuckets,
		}, labels),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jobs_start_latency_seconds",
			Help:    "Time from when a job was due (enqueued, scheduled or retry time) to the start of its attempt.",
			Buckets: o.latencyBuckets,
		}, labels),
	}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.processed, m.succeeded, m.retried, m.failed, m.interrupted, m.duration, m.latency}
}

// Middleware records every attempt of next. Install it in
// runtime.PoolConfig.Middleware; m.Middleware is a runtime.Middleware.
func (m *Metrics) Middleware(next runtime.Handler) runtime.Handler {
	return func(ctx context.Context, job jobs.Job) (result json.RawMessage, err error) {
		if !job.StartedAt.IsZero() && !job.ExecuteAt.IsZero() {
			m.latency.WithLabelValues(job.Queue, job.Type).Observe(max(0, job.StartedAt.Sub(job.ExecuteAt).Seconds()))
		}
		start := time.Now()
		returned := false
		defer func() {
			m.duration.WithLabelValues(job.Queue, job.Type).Observe(time.Since(start).Seconds())
			m.processed.WithLabelValues(job.Queue, job.Type).Inc()
			m.outcome(ctx, job, err, returned).WithLabelValues(job.Queue, job.Type).Inc()
		}()
		result, err = next(ctx, job)
		returned = true
		return result, err
	}
}

// outcome picks the counter of an attempt; returned is false when the
// handler panicked.
func (m *Metrics) outcome(ctx context.Context, job jobs.Job, err error, returned bool) *prometheus.CounterVec {
	switch {
	case returned && err == nil:
		return m.succeeded
	case returned && errors.Is(ctx.Err(), context.Canceled):
		return m.interrupted
	case errors.Is(err, jobs.ErrSkipRetry), errors.Is(err, jobs.ErrTenantNotFound), job.RetriesLeft() == 0:
		return m.failed
	}
	return m.retried
}

// Handler serves the metrics g gathers in the Prometheus text format.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}
