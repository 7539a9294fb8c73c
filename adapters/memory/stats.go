package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// workerReport is what one process last reported of its workers.
type workerReport struct {
	workers []jobs.WorkerInfo
	expires time.Time
}

// Stats returns overall and per-queue figures (queues sorted by name) and
// the workers of every process whose report has not expired (sorted by ID).
// AvgDuration is the mean time between Dequeue and Ack of the acknowledged
// attempts; attempts lost to an expired lease count as processed and failed
// but not in the average.
func (b *Backend) Stats(ctx context.Context) (jobs.Stats, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.trimExpired()
	now := b.clock.Now()
	s := jobs.Stats{
		Processed:   b.totals.processed,
		Succeeded:   b.totals.succeeded,
		Failed:      b.totals.failed,
		DeadLetters: int64(b.dead.Len()),
		AvgDuration: b.totals.avg(),
		Queues:      make([]jobs.QueueStats, 0, len(b.queues)),
		Workers:     []jobs.WorkerInfo{},
	}
	for _, q := range b.queues {
		s.Queues = append(s.Queues, jobs.QueueStats{
			Name:        q.name,
			Paused:      q.paused,
			Pending:     int64(q.size()),
			Scheduled:   q.scheduled,
			Retrying:    q.retrying,
			Running:     q.running,
			DeadLetters: q.dead,
			Processed:   q.totals.processed,
			Succeeded:   q.totals.succeeded,
			Failed:      q.totals.failed,
			AvgDuration: q.totals.avg(),
		})
	}
	slices.SortFunc(s.Queues, func(a, c jobs.QueueStats) int { return strings.Compare(a.Name, c.Name) })
	for id, rep := range b.workers {
		if !now.Before(rep.expires) {
			delete(b.workers, id)
			continue
		}
		s.Workers = append(s.Workers, rep.workers...)
	}
	slices.SortFunc(s.Workers, func(a, c jobs.WorkerInfo) int { return strings.Compare(a.ID, c.ID) })
	return s, nil
}

// History returns up to limit (all kept when limit < 1) of the most recently
// completed or failed jobs of jobType, newest first. WithHistoryLimit caps
// how many are kept per type.
func (b *Backend) History(ctx context.Context, jobType string, limit int) ([]jobs.Job, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h, ok := b.history[jobType]
	if !ok {
		return []jobs.Job{}, nil
	}
	return h.newest(limit), nil
}

// ReportWorkers replaces what is known of processID's workers; the report
// expires ttl after now (by the backend's clock).
func (b *Backend) ReportWorkers(ctx context.Context, processID string, workers []jobs.WorkerInfo, ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("memory: report workers of %s: ttl %s is not positive", processID, ttl)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.workers[processID] = workerReport{workers: slices.Clone(workers), expires: b.clock.Now().Add(ttl)}
	return nil
}

// RemoveWorkers forgets processID's workers.
func (b *Backend) RemoveWorkers(ctx context.Context, processID string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.workers, processID)
	return nil
}
