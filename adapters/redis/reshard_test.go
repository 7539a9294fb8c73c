package redis

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// redirects counts the redirections and refusals that the nodes of a
// cluster client answered, by kind (MOVED, ASK, TRYAGAIN, ...).
type redirects struct {
	mu sync.Mutex
	n  map[string]int
}

// watchRedirects counts, from now on, the MOVED, ASK, TRYAGAIN and
// CLUSTERDOWN replies the nodes of c give to commands and pipelines, and
// those that reach c's callers.
func watchRedirects(c *goredis.ClusterClient) *redirects {
	r := &redirects{n: make(map[string]int)}
	c.OnNewNode(func(node *goredis.Client) { node.AddHook(r) })
	c.AddHook(r)
	return r
}

func (r *redirects) note(err error) {
	if err == nil {
		return
	}
	kind, _, _ := strings.Cut(err.Error(), " ")
	switch kind {
	case "MOVED", "ASK", "TRYAGAIN", "CLUSTERDOWN":
		r.mu.Lock()
		r.n[kind]++
		r.mu.Unlock()
	}
}

func (r *redirects) count(kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[kind]
}

// DialHook leaves dials alone (goredis.Hook).
func (r *redirects) DialHook(next goredis.DialHook) goredis.DialHook { return next }

// ProcessHook notes the reply of each command (goredis.Hook).
func (r *redirects) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		r.note(cmd.Err())
		return err
	}
}

// ProcessPipelineHook notes the reply of each pipelined command (goredis.Hook).
func (r *redirects) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			r.note(c.Err())
		}
		return err
	}
}

var _ goredis.Hook = (*redirects)(nil)

// reshard moves slot from src to dst as redis-cli --cluster reshard does:
// SETSLOT IMPORTING on dst and MIGRATING on src, MIGRATE of its keys in
// batches of 100 (with a pause between batches, so that the load meets
// the slot half-moved), then SETSLOT NODE on dst, src and the other
// masters. It returns the number of keys moved.
func reshard(t *testing.T, lc *labCluster, slot int, src, dst *labNode, pause time.Duration) int {
	t.Helper()
	dst.do(t, "CLUSTER", "SETSLOT", slot, "IMPORTING", src.id)
	src.do(t, "CLUSTER", "SETSLOT", slot, "MIGRATING", dst.id)
	moved := 0
	for {
		keys, _ := src.do(t, "CLUSTER", "GETKEYSINSLOT", slot, 10).([]any)
		if len(keys) == 0 {
			break
		}
		args := []any{"MIGRATE", "127.0.0.1", dst.port, "", 0, 5000, "KEYS"}
		args = append(args, keys...)
		src.do(t, args...)
		moved += len(keys)
		time.Sleep(pause)
	}
	dst.do(t, "CLUSTER", "SETSLOT", slot, "NODE", dst.id)
	src.do(t, "CLUSTER", "SETSLOT", slot, "NODE", dst.id)
	for _, m := range lc.masters {
		if m != src && m != dst {
			m.do(t, "CLUSTER", "SETSLOT", slot, "NODE", dst.id)
		}
	}
	return moved
}

// TestReshardBusyQueue moves the slot of a busy queue to another master
// and back on a private 3-master Redis Cluster while 4 producers enqueue
// into it (every 4th enqueue a batch into it and another queue, whose
// scripts go in one pipeline) and a pool of 8 workers runs its jobs. The
// backend meets MOVED, ASK and TRYAGAIN (its multi-key scripts are
// refused while the queue's keys are split between the two masters, and
// sent again once they are not), and a second backend whose slot map
// predates the move meets MOVED; no enqueue may fail, and every
// acknowledged one must run exactly once.
func TestReshardBusyQueue(t *testing.T) {
	lc := startLabCluster(t, 3, nil, 2*time.Second)
	b := newTestBackendOn(t, nil, []Option{WithClusterAddrs(lc.addrs()...)}, WithLogger(discardLog))
	seen := watchRedirects(b.client.(*goredis.ClusterClient))
	const queue = "reshard"
	slot := int(lc.masters[0].do(t, "CLUSTER", "KEYSLOT", b.queue(queue).keys[0]).(int64))
	src := lc.slotOwner(t, slot)
	dst := lc.masters[0]
	if dst == src {
		dst = lc.masters[1]
	}
	// A backend whose slot map predates the move meets MOVED for sure: the
	// load's may reload its map on a TRYAGAIN late in the move and reach the
	// new owner without ever meeting one.
	stale := newTestBackendOn(t, nil, []Option{WithClusterAddrs(lc.addrs()...)}, WithLogger(discardLog))
	staleSeen := watchRedirects(stale.client.(*goredis.ClusterClient))
	ctx := t.Context()
	_, err := stale.Size(ctx, queue) // its slot map, from before the move
	must(t, err)
	l := startLoad(t, b, queue+","+queue+"-b", 4, 10*time.Second)
	waitFor(t, 10*time.Second, "300 enqueues are acknowledged", func() bool { return l.ackedCount() >= 300 })
	start := time.Now()
	there := reshard(t, lc, slot, src, dst, 10*time.Millisecond)
	t.Logf("moved slot %d (%d keys) from %s to %s in %s", slot, there, src.addr, dst.addr, time.Since(start).Round(time.Millisecond))
	_, err = stale.Size(ctx, queue)
	must(t, err)
	before := l.ackedCount()
	waitFor(t, 10*time.Second, "100 more enqueues are acknowledged", func() bool { return l.ackedCount() >= before+100 })
	start = time.Now()
	back := reshard(t, lc, slot, dst, src, 10*time.Millisecond)
	t.Logf("moved it back (%d keys) in %s", back, time.Since(start).Round(time.Millisecond))
	before = l.ackedCount()
	waitFor(t, 10*time.Second, "100 more enqueues are acknowledged", func() bool { return l.ackedCount() >= before+100 })
	a := l.drain(t, 20*time.Second)
	t.Logf("%s; redirections: MOVED %d, ASK %d, TRYAGAIN %d, CLUSTERDOWN %d (MOVED %d of the stale map's backend); refusals: %v",
		a, seen.count("MOVED"), seen.count("ASK"), seen.count("TRYAGAIN"), seen.count("CLUSTERDOWN"), staleSeen.count("MOVED"), a.samples)
	if a.lost != 0 || a.stuck != 0 || a.duplicates != 0 || a.unsure != 0 || a.refused != 0 {
		t.Errorf("resharding under load: %s (%v); want no job lost, stuck, run twice, refused or of unknown outcome", a, a.samples)
	}
	if seen.count("ASK")+seen.count("TRYAGAIN") == 0 {
		t.Errorf("the load met ASK %d and TRYAGAIN %d times: the test did not catch the slot moving", seen.count("ASK"), seen.count("TRYAGAIN"))
	}
	if seen.count("MOVED")+staleSeen.count("MOVED") == 0 {
		t.Error("neither the load nor the backend with a slot map from before the move met MOVED")
	}
}
