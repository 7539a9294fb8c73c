package redis

import (
	"fmt"
	"testing"
	"time"
)

// failoverQueue is the queue the failover loads use. Its keys' hash tag
// is the queue name, so both loads' keys (under their own prefixes) live
// on the same master and meet the same failover.
const failoverQueue = "failover"

// modeLoad is a load through a backend in one replica-acknowledgement mode.
type modeLoad struct {
	mode string
	*load
}

// startFailoverLoads starts two loads on the servers that opts name, each
// with 2 producers and 8 workers on failoverQueue (2 s leases): one by
// default, one with WithReplicaAcks(1, 500 ms).
func startFailoverLoads(t *testing.T, servers []Option) []modeLoad {
	t.Helper()
	var loads []modeLoad
	for _, m := range []struct {
		name string
		opts []Option
	}{
		{"default", nil},
		{"WithReplicaAcks(1, 500ms)", []Option{WithReplicaAcks(1, 500*time.Millisecond)}},
	} {
		b := newTestBackendOn(t, nil, servers, append(m.opts, WithLogger(discardLog))...)
		loads = append(loads, modeLoad{m.name, startLoad(t, b, failoverQueue, 2, 2*time.Second)})
	}
	return loads
}

// carryOn waits until each of loads has had 100 more enqueues
// acknowledged, failing the test after within.
func carryOn(t *testing.T, within time.Duration, why string, loads ...modeLoad) {
	t.Helper()
	start := time.Now()
	for _, l := range loads {
		before := l.ackedCount()
		waitFor(t, within, fmt.Sprintf("the %s producers have 100 more enqueues acknowledged (%s)", l.mode, why),
			func() bool { return l.ackedCount() >= before+100 })
	}
	t.Logf("%s: the producers carried on within %s", why, time.Since(start).Round(time.Millisecond))
}

// auditFailover drains the loads and checks that none stuck a job, that
// the load with replica acknowledgements lost none, and logs the table
// row of each.
func auditFailover(t *testing.T, event string, loads []modeLoad) {
	t.Helper()
	for _, l := range loads {
		start := time.Now()
		a := l.drain(t, 30*time.Second)
		t.Logf("%s: drained in %s", l.mode, time.Since(start).Round(time.Millisecond))
		t.Logf("| %s | %s | %d | %d | %d | %d | %d |", event, l.mode, a.acked, a.lost, a.duplicates, a.unsure, a.refused)
		if len(a.samples) > 0 {
			t.Logf("%s: refused enqueues: %v", l.mode, a.samples)
		}
		if a.stuck != 0 {
			t.Errorf("%s, %s: %s: acknowledged jobs stored but never run", event, l.mode, a)
		}
		if l.b.replicaAcks.n > 0 && a.lost != 0 {
			t.Errorf("%s, %s: %s: acknowledged enqueues lost despite the replicas' acknowledgement", event, l.mode, a)
		}
	}
}

// TestFailoverUnderLoad fails over the master of a busy queue while
// producers and a pool run, by default and with WithReplicaAcks: on a
// private Redis Cluster (3 masters with a replica each) it SIGKILLs the
// queue's master, so that its replica is promoted; under Sentinel (a
// master, a replica, 3 sentinels), it runs SENTINEL FAILOVER on one set
// and SIGKILLs the master of another. Producers and workers carry on
// without a restart: enqueues are acknowledged again after the failover
// (with replica acknowledgements, once the killed server is back as a
// replica, as there is none left meanwhile; after SENTINEL FAILOVER that
// takes the sentinels up to 10 s, which the test does not wait for).
// Every acknowledged job runs (lost 0 with WithReplicaAcks); the counts
// make the README's failover table.
func TestFailoverUnderLoad(t *testing.T) {
	t.Log("| failover | mode | acknowledged | lost | run twice | unknown outcome | refused |")
	t.Run("Cluster", func(t *testing.T) {
		lc := startLabCluster(t, 3, []bool{true, true, true}, time.Second)
		loads := startFailoverLoads(t, []Option{WithClusterAddrs(lc.addrs()...)})
		carryOn(t, 10*time.Second, "warm-up", loads...)
		slot := int(lc.masters[0].do(t, "CLUSTER", "KEYSLOT", loads[0].b.queue(failoverQueue).keys[0]).(int64))
		owner := lc.slotOwner(t, slot)
		var replica *labNode
		for i, m := range lc.masters {
			if m == owner {
				replica = lc.replicas[i]
			}
		}
		owner.kill()
		killed := time.Now()
		waitFor(t, 15*time.Second, "the replica is promoted", func() bool { return replica.role() == "master" })
		t.Logf("replica %s promoted %s after the SIGKILL of %s", replica.addr, time.Since(killed).Round(time.Millisecond), owner.addr)
		carryOn(t, 15*time.Second, "after the failover", loads[0])
		start := time.Now()
		owner.restart(t)
		lc.waitHealthy(t)
		t.Logf("%s back as a replica within %s", owner.addr, time.Since(start).Round(time.Millisecond))
		carryOn(t, 15*time.Second, "once the killed master is back as a replica", loads...)
		auditFailover(t, "Cluster: SIGKILL of the queue's master", loads)
	})
	t.Run("SentinelFailover", func(t *testing.T) {
		ls := startLabSentinel(t, time.Second)
		loads := startFailoverLoads(t, []Option{WithSentinel(labSentinelName, ls.addrs()...)})
		carryOn(t, 10*time.Second, "warm-up", loads...)
		ls.sentinels[0].do(t, "SENTINEL", "FAILOVER", labSentinelName)
		start := time.Now()
		waitFor(t, 15*time.Second, "the replica is promoted", func() bool { return ls.replica.role() == "master" })
		t.Logf("%s promoted %s after SENTINEL FAILOVER", ls.replica.addr, time.Since(start).Round(time.Millisecond))
		// The sentinels turn the old master into a replica once they next
		// read its INFO (within 10 s): until then the new master has no
		// replica, and the enqueues that wait for one fail.
		carryOn(t, 15*time.Second, "after SENTINEL FAILOVER", loads[0])
		auditFailover(t, "Sentinel: SENTINEL FAILOVER", loads)
	})
	t.Run("SentinelKill", func(t *testing.T) {
		ls := startLabSentinel(t, time.Second)
		loads := startFailoverLoads(t, []Option{WithSentinel(labSentinelName, ls.addrs()...)})
		carryOn(t, 10*time.Second, "warm-up", loads...)
		ls.master.kill()
		killed := time.Now()
		waitFor(t, 15*time.Second, "the replica is promoted", func() bool { return ls.replica.role() == "master" })
		t.Logf("%s promoted %s after the SIGKILL of %s", ls.replica.addr, time.Since(killed).Round(time.Millisecond), ls.master.addr)
		carryOn(t, 15*time.Second, "after the SIGKILL", loads[0])
		ls.master.restart(t, "--replicaof", "127.0.0.1", fmt.Sprint(ls.replica.port))
		ls.waitSettled(t, ls.replica, ls.master, false)
		carryOn(t, 15*time.Second, "once the killed master is back as a replica", loads...)
		auditFailover(t, "Sentinel: SIGKILL of the master", loads)
	})
}
