package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultStatsTimeout bounds the backend read of one scrape.
const DefaultStatsTimeout = 5 * time.Second

// StatsCollector is a prometheus.Collector that reads the backend's Stats
// on every scrape and exports the queue and worker gauges. Create it with
// NewStatsCollector.
type StatsCollector struct {
	stats   jobs.StatsReader
	timeout time.Duration
	log     *slog.Logger

	size, scheduled, retrying, running, dead, paused *prometheus.Desc
	workers, up                                      *prometheus.Desc
}

var _ prometheus.Collector = (*StatsCollector)(nil)

// CollectorOption configures a StatsCollector.
type CollectorOption func(*StatsCollector)

// WithStatsTimeout bounds each scrape's Stats call (default
// DefaultStatsTimeout).
func WithStatsTimeout(d time.Duration) CollectorOption {
	return func(c *StatsCollector) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithCollectorLogger logs failed Stats calls to l instead of
// slog.Default().
func WithCollectorLogger(l *slog.Logger) CollectorOption {
	return func(c *StatsCollector) {
		if l != nil {
			c.log = l
		}
	}
}

// NewStatsCollector returns a collector of stats's queue and worker
// figures.
func NewStatsCollector(stats jobs.StatsReader, opts ...CollectorOption) *StatsCollector {
	queue := []string{"queue"}
	c := &StatsCollector{
		stats:     stats,
		timeout:   DefaultStatsTimeout,
		log:       slog.Default(),
		size:      prometheus.NewDesc("jobs_queue_size", "Pending jobs of the queue.", queue, nil),
		scheduled: prometheus.NewDesc("jobs_queue_scheduled", "Scheduled jobs of the queue.", queue, nil),
		retrying:  prometheus.NewDesc("jobs_queue_retrying", "Jobs of the queue waiting for a retry.", queue, nil),
		running:   prometheus.NewDesc("jobs_queue_running", "Running jobs of the queue.", queue, nil),
		dead:      prometheus.NewDesc("jobs_queue_dead_letters", "Jobs of the queue in the dead-letter queue.", queue, nil),
		paused:    prometheus.NewDesc("jobs_queue_paused", "1 when the queue is paused, else 0.", queue, nil),
		workers:   prometheus.NewDesc("jobs_workers", "Live workers by queue and status (idle or running).", []string{"queue", "status"}, nil),
		up:        prometheus.NewDesc("jobs_backend_up", "1 when the backend's stats could be read, else 0.", nil, nil),
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Describe implements prometheus.Collector.
func (c *StatsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.size, c.scheduled, c.retrying, c.running, c.dead, c.paused, c.workers, c.up} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. When the backend cannot be
// read it exports only jobs_backend_up 0, and logs why.
func (c *StatsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	s, err := c.stats.Stats(ctx)
	if err != nil {
		c.log.Error("jobs metrics: read backend stats", "err", err)
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for _, q := range s.Queues {
		for desc, v := range map[*prometheus.Desc]int64{
			c.size: q.Pending, c.scheduled: q.Scheduled, c.retrying: q.Retrying, c.running: q.Running, c.dead: q.DeadLetters,
		} {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(v), q.Name)
		}
		paused := 0.0
		if q.Paused {
			paused = 1
		}
		ch <- prometheus.MustNewConstMetric(c.paused, prometheus.GaugeValue, paused, q.Name)
	}
	type key struct {
		queue  string
		status jobs.WorkerStatus
	}
	workers := map[key]int{}
	for _, w := range s.Workers {
		workers[key{w.Queue, w.Status}]++
	}
	for k, n := range workers {
		ch <- prometheus.MustNewConstMetric(c.workers, prometheus.GaugeValue, float64(n), k.queue, string(k.status))
	}
}
