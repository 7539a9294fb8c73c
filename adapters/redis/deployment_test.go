package redis

import (
	"errors"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/admin/admintest"
	"github.com/jobsgo/jobs/internal/testenv"
)

// deployments are the real multi-server deployments of the test services:
// each returns the options that name its servers, or skips (fails in CI).
var deployments = []struct {
	name    string
	servers func(t testing.TB) []Option
}{
	{"Cluster", func(t testing.TB) []Option { return []Option{WithClusterAddrs(testenv.RedisCluster(t)...)} }},
	{"Sentinel", func(t testing.TB) []Option {
		master, addrs := testenv.RedisSentinel(t)
		return []Option{WithSentinel(master, addrs...)}
	}},
}

// TestConformanceDeployments runs the backend conformance suite on a real
// Redis Cluster of 3 masters and 3 replicas and on a master found through
// Redis Sentinel.
func TestConformanceDeployments(t *testing.T) {
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			servers := d.servers(t)
			conformance(t, func(t *testing.T, clock jobs.Clock) jobs.Backend {
				return newTestBackendOn(t, clock, servers)
			})
		})
	}
}

// TestAdminAPIDeployments runs the admin API's endpoint suite on the real
// Redis Cluster and under Sentinel.
func TestAdminAPIDeployments(t *testing.T) {
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			servers := d.servers(t)
			admintest.Run(t, func(t *testing.T, clock jobs.Clock) jobs.Backend {
				return newTestBackendOn(t, clock, servers)
			})
		})
	}
}

// TestDeploymentClient checks that New dials the client its options name:
// a cluster client for seed addresses, a failover client for Sentinel,
// both without retries of commands whose reply was lost (go-redis shows
// "none" as -1 on a cluster, 0 on a client), and the cluster key protocol
// only on the cluster.
func TestDeploymentClient(t *testing.T) {
	for _, d := range deployments {
		t.Run(d.name, func(t *testing.T) {
			b := newTestBackendOn(t, nil, d.servers(t))
			must(t, b.Ping(t.Context()))
			switch c := b.Client().(type) {
			case *goredis.ClusterClient:
				o := c.Options()
				if d.name != "Cluster" || !b.cluster || !o.ContextTimeoutEnabled || o.MaxRetries != -1 {
					t.Fatalf("%s: cluster client with cluster protocol %v, ContextTimeoutEnabled %v, MaxRetries %d",
						d.name, b.cluster, o.ContextTimeoutEnabled, o.MaxRetries)
				}
			case *goredis.Client:
				o := c.Options()
				if d.name != "Sentinel" || b.cluster || !o.ContextTimeoutEnabled || o.MaxRetries != 0 {
					t.Fatalf("%s: client with cluster protocol %v, ContextTimeoutEnabled %v, MaxRetries %d",
						d.name, b.cluster, o.ContextTimeoutEnabled, o.MaxRetries)
				}
			default:
				t.Fatalf("%s: client %T", d.name, c)
			}
		})
	}
}

// TestServerOptionsRefused checks that New refuses options naming more than
// one deployment, or that the deployment cannot honour, with an error
// naming them.
func TestServerOptionsRefused(t *testing.T) {
	client := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer client.Close()
	for _, c := range []struct {
		name     string
		opts     []Option
		conflict bool
		mention  string
	}{
		{"URL and cluster", []Option{WithURL("redis://127.0.0.1:1/0"), WithClusterAddrs("127.0.0.1:2")}, true, "[WithURL WithClusterAddrs]"},
		{"URL and Sentinel", []Option{WithURL("redis://127.0.0.1:1/0"), WithSentinel("jobs", "127.0.0.1:2")}, true, "[WithURL WithSentinel]"},
		{"cluster and Sentinel", []Option{WithClusterAddrs("127.0.0.1:2"), WithSentinel("jobs", "127.0.0.1:3")}, true, "[WithClusterAddrs WithSentinel]"},
		{"client and URL", []Option{WithClient(client), WithURL("redis://127.0.0.1:1/0")}, true, "[WithURL WithClient]"},
		{"cluster and DB", []Option{WithClusterAddrs("127.0.0.1:2"), WithDB(3)}, true, "only database 0"},
		{"cluster without addresses", []Option{WithClusterAddrs()}, false, "at least one seed address"},
		{"Sentinel without master", []Option{WithSentinel("", "127.0.0.1:2")}, false, "the master's name"},
		{"Sentinel without sentinels", []Option{WithSentinel("jobs")}, false, "at least one sentinel"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, err := New(c.opts...)
			if err == nil {
				b.Close()
				t.Fatal("New accepted the options")
			}
			if errors.Is(err, errConflictingServers) != c.conflict || !strings.Contains(err.Error(), c.mention) {
				t.Fatalf("New: %v; want an error mentioning %q (conflict: %v)", err, c.mention, c.conflict)
			}
		})
	}
}
