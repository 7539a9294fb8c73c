package redis

import (
	"testing"

	"github.com/jobsgo/jobs"

	"github.com/google/uuid"

	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// newTestBackend returns a backend on the test server under a fresh key
// prefix, whose keys are deleted when the test ends.
func newTestBackend(t testing.TB, clock jobs.Clock, opts ...Option) *Backend {
	t.Helper()
	var probe config
	for _, o := range opts {
		o(&probe)
	}
	if probe.client != nil || probe.clusterAddrs != nil || probe.sentinel != nil {
		return newTestBackendOn(t, clock, nil, opts...)
	}
	return newTestBackendOn(t, clock, []Option{WithURL(testenv.RedisURL(t))}, opts...)
}

// newTestBackendOn returns a backend on the server that the options server
// name (none when opts name it), under a fresh key prefix whose keys are
// deleted when the test ends.
func newTestBackendOn(t testing.TB, clock jobs.Clock, server []Option, opts ...Option) *Backend {
	t.Helper()
	prefix := "jobstest:" + uuid.NewString()[:13]
	all := append(append(server, WithPrefix(prefix)), opts...)
	if clock != nil {
		all = append(all, WithClock(clock))
	}
	b, err := New(all...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		testenv.DeleteRedisKeys(t, b.client, prefix)
		b.Close()
	})
	return b
}

// conformance runs the backend conformance suite.
func conformance(t *testing.T, newBackend func(t *testing.T, clock jobs.Clock) jobs.Backend) {
	backendtest.Run(t, newBackend)
}

// TestConformance runs the conformance suites on a standalone server,
// where Enqueue claims IDs and unique keys inside its script.
func TestConformance(t *testing.T) {
	conformance(t, func(t *testing.T, clock jobs.Clock) jobs.Backend {
		return newTestBackend(t, clock)
	})
}

// TestConformanceClusterProtocol runs the suites with the Redis Cluster key
// protocol (IDs and unique keys claimed in a separate step, unique keys
// freed after the queue scripts, trimmed IDs dropped from the index by the
// maintainer) on the standalone test server.
func TestConformanceClusterProtocol(t *testing.T) {
	conformance(t, func(t *testing.T, clock jobs.Clock) jobs.Backend {
		return newTestBackend(t, clock, withCluster(true))
	})
}
