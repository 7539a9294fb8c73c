package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"

	"github.com/google/uuid"

	"github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// runReal runs the command line args with the real Redis connector and the
// environment vars.
func runReal(ctx context.Context, args []string, vars map[string]string) result {
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, env{getenv: func(k string) string { return vars[k] }, stdout: &stdout, stderr: &stderr, connect: connectRedis})
	return result{code, stdout.String(), stderr.String()}
}

// TestDeploymentFlags checks that --cluster and --sentinel (and their
// environment variables) reach a deployment on the real Redis Cluster and
// under Sentinel: jobs stats shows the seeded queues.
func TestDeploymentFlags(t *testing.T) {
	master, sentinels := testenv.RedisSentinel(t)
	cluster := strings.Join(testenv.RedisCluster(t), ",")
	sentinel := master + "@" + strings.Join(sentinels, ",")
	for _, c := range []struct {
		name   string
		server redis.Option
		flags  []string
		vars   map[string]string
	}{
		{"--cluster", redis.WithClusterAddrs(testenv.RedisCluster(t)...), []string{"--cluster", cluster}, nil},
		{"$JOBS_REDIS_CLUSTER", redis.WithClusterAddrs(testenv.RedisCluster(t)...), nil, map[string]string{"JOBS_REDIS_CLUSTER": cluster}},
		{"--sentinel", redis.WithSentinel(master, sentinels...), []string{"--sentinel", sentinel}, nil},
		{"$JOBS_REDIS_SENTINEL", redis.WithSentinel(master, sentinels...), nil, map[string]string{"JOBS_REDIS_SENTINEL": sentinel}},
	} {
		t.Run(c.name, func(t *testing.T) {
			prefix := "jobstest:" + uuid.NewString()[:13]
			clock := backendtest.NewClock(backendtest.Start)
			b, err := redis.New(c.server, redis.WithPrefix(prefix), redis.WithClock(clock))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { testenv.DeleteRedisKeys(t, b.Client(), prefix); b.Close() })
			seed(t, b, clock)
			r := runReal(t.Context(), append(c.flags, "--prefix", prefix, "--json", "stats"), c.vars)
			if r.code != exitOK {
				t.Fatalf("jobs stats: exit %d, stderr %s", r.code, r.stderr)
			}
			var st jobs.Stats
			if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
				t.Fatalf("jobs stats --json: %v\n%s", err, r.stdout)
			}
			if len(st.Queues) != 2 || st.DeadLetters != 3 {
				t.Fatalf("jobs stats on the deployment: %d queues, %d dead letters; want 2 and 3\n%s", len(st.Queues), st.DeadLetters, r.stdout)
			}
		})
	}
}

// TestDeploymentFlagsRefused checks that naming two deployments, or a
// malformed --sentinel, fails with exit 1 and an error naming the problem,
// before any connection.
func TestDeploymentFlagsRefused(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		vars   map[string]string
		stderr string
	}{
		{"URL and cluster", []string{"--redis-url", "redis://127.0.0.1:1/0", "--cluster", "127.0.0.1:2", "stats"}, nil, "conflicting options"},
		{"env URL and --sentinel", []string{"--sentinel", "jobs@127.0.0.1:2", "stats"}, map[string]string{"JOBS_REDIS_URL": "redis://127.0.0.1:1/0"}, "conflicting options"},
		{"cluster and sentinel", []string{"--cluster", "127.0.0.1:2", "--sentinel", "jobs@127.0.0.1:3", "stats"}, nil, "conflicting options"},
		{"sentinel without @", []string{"--sentinel", "127.0.0.1:2", "stats"}, nil, "want master-name@host:port"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runReal(t.Context(), c.args, c.vars)
			if r.code != exitError || !strings.Contains(r.stderr, c.stderr) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, c.stderr)
			}
		})
	}
}
