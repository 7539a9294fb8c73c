package redis

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// A lab is a private Redis deployment that a test starts from the
// redis-server binary on free loopback ports, so that it may reshard,
// kill and fail over its servers without disturbing the shared test
// services. Its processes are killed when the test ends.

// labNode is one redis-server process of a lab.
type labNode struct {
	port int
	bus  int    // cluster bus port, on a cluster
	addr string // 127.0.0.1:port
	dir  string
	argv []string // redis-server's arguments
	cmd  *exec.Cmd
	out  *bytes.Buffer
	id   string // cluster node ID, on a cluster
}

// redisServerBin returns the path of redis-server, or skips the test
// (fails it in CI, which must run it).
func redisServerBin(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-server is not on the PATH: CI must run the tests on private clusters (%v)", err)
		}
		t.Skipf("redis-server is not on the PATH: install it to run this test (%v)", err)
	}
	return bin
}

// freePort returns a loopback TCP port that nothing listened on a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startLabNode starts redis-server on a free port with args (after
// "--port P"), persisting nothing and syncing replicas at once (no
// 5 s diskless sync delay), and waits until it answers PING.
func startLabNode(t testing.TB, args ...string) *labNode {
	t.Helper()
	dir := t.TempDir()
	n := &labNode{port: freePort(t), dir: dir}
	n.addr = "127.0.0.1:" + strconv.Itoa(n.port)
	n.argv = append([]string{"--port", strconv.Itoa(n.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--repl-diskless-sync-delay", "0", "--dir", dir}, args...)
	if len(args) > 0 && strings.HasSuffix(args[0], ".conf") {
		n.argv = append([]string{args[0], "--port", strconv.Itoa(n.port), "--dir", dir}, args[1:]...)
	}
	n.start(t)
	t.Cleanup(n.kill)
	return n
}

// start runs redis-server with the node's arguments and waits until it
// answers PING.
func (n *labNode) start(t testing.TB, extra ...string) {
	t.Helper()
	n.out = &bytes.Buffer{}
	n.cmd = exec.Command(redisServerBin(t), append(append([]string{}, n.argv...), extra...)...)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := n.client()
	defer c.Close()
	for deadline := time.Now().Add(5 * time.Second); c.Ping(context.Background()).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server %v did not answer within 5 s:\n%s", n.argv, n.out)
		}
	}
}

// restart starts a killed node again on its port and directory (a
// cluster node reads its nodes.conf back), with extra arguments.
func (n *labNode) restart(t testing.TB, extra ...string) { n.start(t, extra...) }

// role is the node's role, "master" or "slave", or "" when it does not answer.
func (n *labNode) role() string {
	c := n.client()
	defer c.Close()
	v, err := c.Do(context.Background(), "ROLE").Slice()
	if err != nil || len(v) == 0 {
		return ""
	}
	return fmt.Sprint(v[0])
}

// client returns a plain client of the node alone.
func (n *labNode) client() *goredis.Client {
	return goredis.NewClient(&goredis.Options{Addr: n.addr, MaxRetries: -1, DialTimeout: time.Second})
}

// kill stops the node with SIGKILL (no shutdown, no save), once.
func (n *labNode) kill() {
	if n.cmd != nil && n.cmd.ProcessState == nil {
		_ = n.cmd.Process.Signal(syscall.SIGKILL)
		_ = n.cmd.Wait()
	}
}

// do runs one command on the node alone and fails the test on error.
func (n *labNode) do(t testing.TB, args ...any) any {
	t.Helper()
	c := n.client()
	defer c.Close()
	v, err := c.Do(context.Background(), args...).Result()
	if err != nil {
		t.Fatalf("%s: %v: %v", n.addr, args, err)
	}
	return v
}

// labCluster is a private Redis Cluster.
type labCluster struct {
	masters  []*labNode
	replicas []*labNode // replicas[i] replicates masters[i]; nil when none
}

// startLabCluster starts a Redis Cluster of masters masters, each with
// replicas[i] replicas (1 or 0), the slots spread evenly over the
// masters, and waits until every node reports the cluster ok and every
// replica's link to its master is up. nodeTimeout is the cluster's
// cluster-node-timeout, after which a silent master fails over.
func startLabCluster(t testing.TB, masters int, replicated []bool, nodeTimeout time.Duration) *labCluster {
	t.Helper()
	start := func() *labNode {
		bus := freePort(t)
		n := startLabNode(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.FormatInt(nodeTimeout.Milliseconds(), 10), "--cluster-port", strconv.Itoa(bus))
		n.bus = bus
		return n
	}
	lc := &labCluster{}
	for i := range masters {
		m := start()
		lo, hi := i*16384/masters, (i+1)*16384/masters-1
		m.do(t, "CLUSTER", "ADDSLOTSRANGE", lo, hi)
		lc.masters = append(lc.masters, m)
		var r *labNode
		if i < len(replicated) && replicated[i] {
			r = start()
		}
		lc.replicas = append(lc.replicas, r)
	}
	all := lc.nodes()
	for _, n := range all {
		n.id = n.do(t, "CLUSTER", "MYID").(string)
		if n != all[0] {
			n.do(t, "CLUSTER", "MEET", "127.0.0.1", all[0].port, all[0].bus)
		}
	}
	waitFor(t, 10*time.Second, "every node knows every other", func() bool {
		for _, n := range all {
			v := n.do(t, "CLUSTER", "NODES").(string)
			if strings.Count(strings.TrimSpace(v), "\n")+1 != len(all) || strings.Contains(v, "handshake") {
				return false
			}
		}
		return true
	})
	for i, r := range lc.replicas {
		if r != nil {
			r.do(t, "CLUSTER", "REPLICATE", lc.masters[i].id)
		}
	}
	lc.waitHealthy(t)
	return lc
}

// nodes lists every node that is up or was started: masters, then replicas.
func (lc *labCluster) nodes() []*labNode {
	all := append([]*labNode{}, lc.masters...)
	for _, r := range lc.replicas {
		if r != nil {
			all = append(all, r)
		}
	}
	return all
}

// addrs lists the addresses of the cluster's nodes, as seeds.
func (lc *labCluster) addrs() []string {
	var out []string
	for _, n := range lc.nodes() {
		out = append(out, n.addr)
	}
	return out
}

// waitHealthy waits until every running node reports cluster_state:ok and
// every replica's master link is up.
func (lc *labCluster) waitHealthy(t testing.TB) {
	t.Helper()
	waitFor(t, 20*time.Second, "the cluster is ok and its replicas in sync", func() bool {
		for _, n := range lc.nodes() {
			if n.cmd.ProcessState != nil {
				continue
			}
			c := n.client()
			info, err := c.ClusterInfo(context.Background()).Result()
			repl, err2 := c.Info(context.Background(), "replication").Result()
			c.Close()
			if err != nil || err2 != nil || !strings.Contains(info, "cluster_state:ok") {
				return false
			}
			if strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") {
				return false
			}
		}
		return true
	})
}

// slotOwner returns the master that serves slot, by the given node's map.
func (lc *labCluster) slotOwner(t testing.TB, slot int) *labNode {
	t.Helper()
	for _, m := range lc.nodes() {
		if m.cmd.ProcessState != nil {
			continue
		}
		c := m.client()
		slots, err := c.ClusterSlots(context.Background()).Result()
		c.Close()
		if err != nil {
			continue
		}
		for _, s := range slots {
			if slot >= int(s.Start) && slot <= int(s.End) {
				for _, n := range lc.nodes() {
					if n.addr == s.Nodes[0].Addr {
						return n
					}
				}
			}
		}
	}
	t.Fatalf("no node serves slot %d", slot)
	return nil
}

// waitFor polls cond every 50 ms until it holds, failing the test after
// within.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", within, what)
		}
	}
}

// labSentinel is a private master, its replica and three sentinels
// monitoring it under the name "lab" with a quorum of 2.
type labSentinel struct {
	master, replica *labNode
	sentinels       []*labNode
}

// labSentinelName is the name the lab's sentinels monitor the master under.
const labSentinelName = "lab"

// startLabSentinel starts a master, its replica and three sentinels, and
// waits until each sentinel knows the master and the replica and the
// replica's link is up. downAfter is the sentinels' down-after-milliseconds.
func startLabSentinel(t testing.TB, downAfter time.Duration) *labSentinel {
	t.Helper()
	ls := &labSentinel{master: startLabNode(t)}
	ls.replica = startLabNode(t, "--replicaof", "127.0.0.1", strconv.Itoa(ls.master.port))
	for range 3 {
		dir := t.TempDir()
		conf := filepath.Join(dir, "sentinel.conf")
		body := fmt.Sprintf("bind 127.0.0.1\nsentinel monitor %s 127.0.0.1 %d 2\nsentinel down-after-milliseconds %s %d\nsentinel failover-timeout %s 10000\n",
			labSentinelName, ls.master.port, labSentinelName, downAfter.Milliseconds(), labSentinelName)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		ls.sentinels = append(ls.sentinels, startLabNode(t, conf, "--sentinel"))
	}
	ls.waitSettled(t, ls.master, ls.replica, true)
	return ls
}

// addrs lists the sentinels' addresses.
func (ls *labSentinel) addrs() []string {
	var out []string
	for _, s := range ls.sentinels {
		out = append(out, s.addr)
	}
	return out
}

// waitSettled waits until every sentinel names master as the master and,
// if knowReplica, knows replica as its replica (they learn of a new
// replica from the master's INFO, every 10 s), and replica's link to
// master is up.
func (ls *labSentinel) waitSettled(t testing.TB, master, replica *labNode, knowReplica bool) {
	t.Helper()
	waitFor(t, 30*time.Second, "the sentinels know master "+master.addr+" and replica "+replica.addr, func() bool {
		for _, s := range ls.sentinels {
			c := s.client()
			addr, err := c.Do(context.Background(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", labSentinelName).StringSlice()
			reps, err2 := c.Do(context.Background(), "SENTINEL", "REPLICAS", labSentinelName).Slice()
			c.Close()
			if err != nil || err2 != nil || len(addr) != 2 || addr[0]+":"+addr[1] != master.addr || knowReplica && !knowsReplica(reps, replica.port) {
				return false
			}
		}
		c := replica.client()
		defer c.Close()
		repl, err := c.Info(context.Background(), "replication").Result()
		return err == nil && strings.Contains(repl, "master_port:"+strconv.Itoa(master.port)) && strings.Contains(repl, "master_link_status:up")
	})
}

// knowsReplica reports whether a SENTINEL REPLICAS reply lists a replica
// on port that is not flagged down or disconnected.
func knowsReplica(reps []any, port int) bool {
	for _, r := range reps {
		fields := map[string]string{}
		switch v := r.(type) {
		case map[any]any:
			for k, x := range v {
				fields[fmt.Sprint(k)] = fmt.Sprint(x)
			}
		case []any:
			for i := 0; i+1 < len(v); i += 2 {
				fields[fmt.Sprint(v[i])] = fmt.Sprint(v[i+1])
			}
		}
		if fields["port"] == strconv.Itoa(port) && !strings.Contains(fields["flags"], "down") && !strings.Contains(fields["flags"], "disconnected") {
			return true
		}
	}
	return false
}
