package metrics

import (
	"github.com/jobsgo/jobs/runtime"
	"github.com/prometheus/client_golang/prometheus"
)

// PoolCounters is what NewPoolCollector reads of a worker pool.
type PoolCounters interface {
	// AbandonedHandlers is runtime.Pool.AbandonedHandlers.
	AbandonedHandlers() int64
}

var _ PoolCounters = (*runtime.Pool)(nil)

// NewPoolCollector returns a collector of the counters pool keeps itself
// (this process's pool, unlabelled):
//
//	jobs_handlers_abandoned_total    handlers the pool gave up on because they did not
//	                                 return within PoolConfig.TimeoutGrace of their
//	                                 context's end; their goroutines may still run
func NewPoolCollector(pool PoolCounters) prometheus.Collector {
	return prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "jobs_handlers_abandoned_total",
		Help: "Handlers abandoned because they did not return within the pool's TimeoutGrace after their context ended; their goroutines may still be running.",
	}, func() float64 { return float64(pool.AbandonedHandlers()) })
}
