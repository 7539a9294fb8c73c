package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime"
)

// cutProxy forwards TCP connections to a Redis server until cut: then it
// drops every open connection and refuses new ones until restored, as a
// server that went down and came back would look to its clients.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p := &cutProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(s, c); s.Close() }()
		go func() { _, _ = io.Copy(c, s); c.Close() }()
	}
}

// cut drops every connection and refuses new ones.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// restore accepts connections again.
func (p *cutProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// TestPoolRidesOutOutage runs a pool whose connections to Redis are cut
// for 1.5 s while it drains jobs: the drain stalls, the workers back off
// and reconnect by themselves, every job completes, and only jobs in
// flight at the cut may run twice (when their outcome was lost, their
// lease expired and they were recovered).
func TestPoolRidesOutOutage(t *testing.T) {
	observer := newTestBackend(t, nil)
	opts, err := goredis.ParseURL(testenv.RedisURL(t))
	must(t, err)
	proxy := newCutProxy(t, opts.Addr)
	b, err := New(WithURL(fmt.Sprintf("redis://%s/%d", proxy.addr(), opts.DB)),
		WithPrefix(observer.prefix), WithTimeouts(200*time.Millisecond, 2*time.Second, time.Second),
		WithBlockTimeout(500*time.Millisecond))
	must(t, err)
	t.Cleanup(func() { b.Close() }) // after the pool's Shutdown

	const list, workers = 400, 8
	var runs sync.Map // job ID -> *atomic.Int32
	var started atomic.Int32
	ran := func(id string) int32 {
		v, _ := runs.LoadOrStore(id, new(atomic.Int32))
		return v.(*atomic.Int32).Add(1)
	}
	startPool(t, b, map[string]runtime.Handler{
		"t": func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
			ran(j.ID)
			started.Add(1)
			time.Sleep(10 * time.Millisecond) // the drain outlasts the cut
			return nil, nil
		},
	}, runtime.PoolConfig{Queues: map[string]int{jobs.DefaultQueue: workers}, Lease: 2 * time.Second,
		SchedulerInterval: 100 * time.Millisecond})

	ctx := t.Context()
	batch := make([]runtime.EnqueueRequest, list)
	for i := range batch {
		batch[i] = runtime.EnqueueRequest{Type: "t"}
	}
	if _, err := runtime.NewClient(observer).EnqueueBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for started.Load() < list/8 {
		time.Sleep(time.Millisecond)
	}
	proxy.cut()
	time.Sleep(1500 * time.Millisecond)
	if st, err := observer.Stats(ctx); err != nil || st.Succeeded >= list {
		t.Fatalf("during the cut: %d of %d jobs completed (%v); the cut did not stall the drain", st.Succeeded, list, err)
	}
	proxy.restore()

	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := observer.Stats(ctx)
		must(t, err)
		if st.Succeeded == list {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the outage: %d of %d jobs completed", st.Succeeded, list)
		}
		time.Sleep(50 * time.Millisecond)
	}
	twice := 0
	runs.Range(func(_, v any) bool {
		if v.(*atomic.Int32).Load() > 1 {
			twice++
		}
		return true
	})
	// In flight at the cut: a job per worker, and what one Dequeue leased.
	// Their outcomes are stored when a retry outlasts the cut; those that
	// are not run again once their lease expires.
	if limit := workers + runtime.DefaultMaxFetch; twice > limit {
		t.Errorf("%d jobs ran twice; only those in flight at the cut (at most %d) may", twice, limit)
	}
	count := 0
	runs.Range(func(_, _ any) bool { count++; return true })
	if count != list {
		t.Errorf("%d distinct jobs ran, want %d", count, list)
	}
	t.Logf("%d jobs ran twice after the outage", twice)
}
