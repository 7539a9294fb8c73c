package runtime

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/jobsgo/jobs"
)

// UnservedCheckInterval is how often a pool reads the backend's Stats to
// warn of jobs pending in a queue that no live worker serves.
const UnservedCheckInterval = time.Minute

// Queues lists, sorted, the queues of the registered handlers: the one each
// declared with WithHandlerQueue, DefaultQueue for those that declared none.
func (r *Registry) Queues() []string {
	return slices.Sorted(maps.Keys(r.typesByQueue()))
}

// typesByQueue maps the queue of each registration to its job types, sorted.
func (r *Registry) typesByQueue() map[string][]string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	byQueue := make(map[string][]string)
	for jobType, reg := range r.handlers {
		q := cmp.Or(reg.config.Queue, jobs.DefaultQueue)
		byQueue[q] = append(byQueue[q], jobType)
	}
	for _, types := range byQueue {
		sort.Strings(types)
	}
	return byQueue
}

// handlerQueueWorkers is PoolConfig.Queues when it is left empty: every
// queue of reg's handlers, DefaultWorkers workers each.
func handlerQueueWorkers(reg *Registry) map[string]int {
	queues := make(map[string]int)
	for _, q := range reg.Queues() {
		queues[q] = DefaultWorkers
	}
	return queues
}

// logStart logs that the pool started and warns of each registered
// handler whose queue it does not serve and of each queue it serves that
// is no handler's queue (a typo, or jobs routed there with WithQueue).
func (p *Pool) logStart() {
	p.log.Info("jobs: pool started", "process", p.cfg.ProcessID, "queues", p.cfg.Queues)
	byQueue := p.registry.typesByQueue()
	for _, q := range slices.Sorted(maps.Keys(byQueue)) {
		if _, served := p.cfg.Queues[q]; !served {
			p.log.Warn("jobs: this pool does not serve the queue of registered handlers; their jobs wait for a pool that does (PoolConfig.Queues; runtime.WithHandlerQueue declares a handler's queue)",
				"queue", q, "job_types", byQueue[q], "served", slices.Sorted(maps.Keys(p.cfg.Queues)))
		}
	}
	for _, q := range slices.Sorted(maps.Keys(p.cfg.Queues)) {
		if _, used := byQueue[q]; !used {
			p.log.Warn("jobs: this pool serves a queue that is no registered handler's queue; only jobs enqueued there with WithQueue run from it",
				"queue", q, "handler_queues", slices.Sorted(maps.Keys(byQueue)))
		}
	}
}

// unservedWatch is the state of the heartbeat's check for jobs pending in
// queues that no live worker serves (see checkUnserved).
type unservedWatch struct {
	next   time.Time       // when to check next
	warned map[string]bool // queues warned of, until a worker serves them
}

// checkUnserved reads the backend's Stats every UnservedCheckInterval and
// warns once of each queue that holds pending jobs while no live worker,
// of any process, serves it: jobs enqueued with WithQueue to a queue no
// pool serves (a typo), or a queue whose pools are all down. It runs on
// the heartbeat, after the pool reported its own workers.
func (h *heartbeat) checkUnserved(ctx context.Context, now time.Time) {
	w := &h.unserved
	if now.Before(w.next) {
		return
	}
	w.next = now.Add(UnservedCheckInterval)
	s, err := h.backend.Stats(ctx)
	if err != nil {
		h.log.Debug("jobs: read stats to look for unserved queues", "err", err)
		return
	}
	unserved := s.UnservedQueues()
	for q := range w.warned {
		if !slices.Contains(unserved, q) {
			delete(w.warned, q)
		}
	}
	for _, q := range unserved {
		if w.warned[q] {
			continue
		}
		if w.warned == nil {
			w.warned = make(map[string]bool)
		}
		w.warned[q] = true
		h.log.Warn("jobs: jobs are pending in a queue that no live worker serves; they wait until a pool serves it",
			"queue", q, "pending", s.Queue(q).Pending, "served_here", slices.Sorted(maps.Keys(h.served)))
	}
}
