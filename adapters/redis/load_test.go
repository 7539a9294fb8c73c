package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// A load is producers enqueueing jobs into one queue and a pool running
// them while a test disturbs the servers (reshards a slot, kills a
// master). Producers note every enqueue the backend acknowledged; the
// handler notes every run in a ledger. The audit then tells the jobs
// lost (acknowledged, never run and no longer stored) from those run
// twice.
type load struct {
	b       *Backend
	queue   string
	also    string // a second queue: every 4th enqueue is a batch into both
	ledger  *runLedger
	pool    *runtime.Pool
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	acked   []string       // IDs whose Enqueue returned nil
	unsure  []string       // IDs whose Enqueue's outcome is unknown
	refused map[string]int // other Enqueue errors, by message, counted
}

// discardLog drops every line: the private servers of the tests persist
// nothing, which the backend warns about.
var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// loadJobType is the job type of a load.
const loadJobType = "load.work"

// startLoad starts a pool of 8 workers on queue (leases of lease) and
// producers goroutines, each enqueueing a job about every 2 ms and, after
// an error, every 20 ms. queue may name a second queue after a comma
// ("a,b"): every 4th enqueue is then one batch of a job in each (stored
// by one pipeline of scripts on a cluster), and 2 more workers serve it.
func startLoad(t *testing.T, b *Backend, queue string, producers int, lease time.Duration) *load {
	t.Helper()
	queue, also, _ := strings.Cut(queue, ",")
	l := &load{b: b, queue: queue, also: also, ledger: &runLedger{runs: make(map[string][]time.Time)}, stop: make(chan struct{}), refused: make(map[string]int)}
	queues := map[string]int{queue: 8}
	if also != "" {
		queues[also] = 2
	}
	reg := runtime.NewRegistry()
	must(t, reg.Register(loadJobType, func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		l.ledger.record(j.ID)
		time.Sleep(time.Millisecond)
		return nil, nil
	}))
	var err error
	l.pool, err = runtime.NewPool(b, reg, runtime.PoolConfig{
		Queues:            queues,
		Lease:             lease,
		SchedulerInterval: 100 * time.Millisecond,
		ShutdownTimeout:   5 * time.Second,
		Logger:            discardLog,
	})
	must(t, err)
	must(t, l.pool.Start(context.Background()))
	t.Cleanup(func() { l.stopProducers(); _ = l.pool.Shutdown(context.Background()) })
	for range producers {
		l.wg.Add(1)
		go l.produce()
	}
	return l
}

// produce enqueues jobs until stop is closed.
func (l *load) produce() {
	defer l.wg.Done()
	for n := 0; ; n++ {
		select {
		case <-l.stop:
			return
		default:
		}
		queues := []string{l.queue}
		if l.also != "" && n%4 == 3 {
			queues = append(queues, l.also)
		}
		batch := make([]jobs.Job, len(queues))
		for i, q := range queues {
			j, err := jobs.NewJob(loadJobType, []byte(`{}`), jobs.EnqueueOptions{Queue: q}, time.Now())
			if err != nil {
				panic(err)
			}
			batch[i] = j
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := l.b.Enqueue(ctx, batch...)
		cancel()
		l.mu.Lock()
		for _, j := range batch {
			switch {
			case err == nil:
				l.acked = append(l.acked, j.ID)
			case errors.Is(err, jobs.ErrOutcomeUnknown):
				l.unsure = append(l.unsure, j.ID)
			default:
				l.refused[shortErr(err)]++
			}
		}
		l.mu.Unlock()
		pause := 2 * time.Millisecond
		if err != nil {
			pause = 20 * time.Millisecond
		}
		time.Sleep(pause)
	}
}

// shortErr is err's message without job IDs and addresses, to count alike
// errors together.
func shortErr(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i < 80 {
		return msg[i+2:]
	}
	return msg
}

// ackedCount is the number of enqueues acknowledged so far.
func (l *load) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// stopProducers stops the producers and waits for them, once.
func (l *load) stopProducers() {
	select {
	case <-l.stop:
	default:
		close(l.stop)
	}
	l.wg.Wait()
}

// loadAudit is the account of a load once drained.
type loadAudit struct {
	acked, unsure int // enqueues acknowledged, and of unknown outcome
	refused       int // enqueues refused
	lost          int // acknowledged, never run and not stored
	stuck         int // acknowledged, never run, stored
	duplicates    int // jobs run more than once
	runs          int // handler runs in all
	samples       []string
}

func (a loadAudit) String() string {
	return fmt.Sprintf("acknowledged %d, unknown outcome %d, refused %d; lost %d, stuck %d, run twice %d (%d runs)",
		a.acked, a.unsure, a.refused, a.lost, a.stuck, a.duplicates, a.runs)
}

// drain stops the producers, waits up to within for every acknowledged
// job to have run (or, for those that have not, to be found gone), stops
// the pool and audits the ledger.
func (l *load) drain(t *testing.T, within time.Duration) loadAudit {
	t.Helper()
	l.stopProducers()
	ran := func() (missing []string) {
		l.ledger.mu.Lock()
		defer l.ledger.mu.Unlock()
		for _, id := range l.acked {
			if len(l.ledger.runs[id]) == 0 {
				missing = append(missing, id)
			}
		}
		return missing
	}
	// gone reports whether none of the missing jobs is stored any more:
	// they are lost, and waiting longer changes nothing.
	gone := func(missing []string) bool {
		if len(missing) > 100 {
			return false
		}
		for _, id := range missing {
			if _, err := l.b.Job(context.Background(), id); !errors.Is(err, jobs.ErrJobNotFound) {
				return false
			}
		}
		return true
	}
	var missing []string
	for deadline := time.Now().Add(within); ; time.Sleep(100 * time.Millisecond) {
		if missing = ran(); len(missing) == 0 || time.Now().After(deadline) || gone(missing) {
			break
		}
	}
	time.Sleep(200 * time.Millisecond) // runs of the unsure jobs, and any second run, land
	must(t, l.pool.Shutdown(context.Background()))
	a := loadAudit{acked: len(l.acked), unsure: len(l.unsure)}
	for msg, n := range l.refused {
		a.refused += n
		a.samples = append(a.samples, fmt.Sprintf("%d× %s", n, msg))
	}
	sort.Strings(a.samples)
	for _, id := range missing {
		if _, err := l.b.Job(context.Background(), id); errors.Is(err, jobs.ErrJobNotFound) {
			a.lost++
		} else {
			a.stuck++
		}
	}
	l.ledger.mu.Lock()
	defer l.ledger.mu.Unlock()
	for _, runs := range l.ledger.runs {
		a.runs += len(runs)
		if len(runs) > 1 {
			a.duplicates++
		}
	}
	return a
}
