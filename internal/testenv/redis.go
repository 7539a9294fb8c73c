package testenv

import (
	"context"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// Environment variables that hold the addresses of the real Redis Cluster
// and Sentinel set that scripts/test starts.
const (
	// RedisClusterVar holds the cluster's seed addresses, comma-separated:
	// 127.0.0.1:7101,127.0.0.1:7102,...
	RedisClusterVar = "JOBS_TEST_REDIS_CLUSTER"
	// RedisSentinelVar holds the monitored master's name and the
	// sentinels' addresses: jobs@127.0.0.1:7203,127.0.0.1:7204,...
	RedisSentinelVar = "JOBS_TEST_REDIS_SENTINEL"
)

// RedisCluster returns the seed addresses of the test Redis Cluster, or
// skips (fails in CI) without them.
func RedisCluster(t testing.TB) []string {
	t.Helper()
	return strings.Split(lookup(t, RedisClusterVar, "Redis Cluster"), ",")
}

// RedisSentinel returns the master name and the sentinel addresses of the
// test Sentinel set, or skips (fails in CI) without them.
func RedisSentinel(t testing.TB) (master string, addrs []string) {
	t.Helper()
	v := lookup(t, RedisSentinelVar, "Redis Sentinel")
	master, list, ok := strings.Cut(v, "@")
	if !ok || master == "" || list == "" {
		t.Fatalf("%s=%q: want <master name>@<host:port>,<host:port>,...", RedisSentinelVar, v)
	}
	return master, strings.Split(list, ",")
}

// DeleteRedisKeys deletes every key that starts with prefix+":", on each
// master of a cluster or on the one server, one key per command (on a
// cluster a prefix's keys lie in many slots).
func DeleteRedisKeys(t testing.TB, client goredis.UniversalClient, prefix string) {
	t.Helper()
	del := func(ctx context.Context, node *goredis.Client) error {
		iter := node.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		pipe := node.Pipeline()
		for iter.Next(ctx) {
			pipe.Unlink(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return err
		}
		if pipe.Len() == 0 {
			return nil
		}
		_, err := pipe.Exec(ctx)
		return err
	}
	ctx := context.Background()
	var err error
	switch c := client.(type) {
	case *goredis.ClusterClient:
		err = c.ForEachMaster(ctx, del)
	case *goredis.Client:
		err = del(ctx, c)
	default:
		t.Fatalf("DeleteRedisKeys: unsupported client %T", client)
	}
	if err != nil {
		t.Errorf("delete the test keys under %q: %v", prefix, err)
	}
}
