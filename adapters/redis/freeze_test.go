package redis

import (
	"os"
	"syscall"
	"testing"

	"github.com/jobsgo/jobs/internal/testenv"
)

// privateRedis is a redis-server of a test's own, which the test may
// freeze (SIGSTOP) and thaw (SIGCONT) without disturbing other tests.
type privateRedis struct {
	url  string
	proc *os.Process
}

// startPrivateRedis starts a redis-server without persistence (see
// testenv.StartRedisProcess). It runs where the Redis integration tests
// run (JOBS_TEST_REDIS_URL set).
func startPrivateRedis(t *testing.T) *privateRedis {
	t.Helper()
	testenv.RedisURL(t)
	url, proc := testenv.StartRedisProcess(t, "--save", "", "--appendonly", "no")
	return &privateRedis{url: url, proc: proc}
}

// freeze stops the server process: connections stay open, requests are
// buffered by the kernel and run when it thaws.
func (r *privateRedis) freeze(t *testing.T) {
	t.Helper()
	must(t, r.proc.Signal(syscall.SIGSTOP))
}

// thaw resumes the server process.
func (r *privateRedis) thaw(t *testing.T) {
	t.Helper()
	must(t, r.proc.Signal(syscall.SIGCONT))
}

// backend returns a backend on the server with the given options.
func (r *privateRedis) backend(t *testing.T, opts ...Option) *Backend {
	t.Helper()
	b, err := New(append([]Option{WithURL(r.url)}, opts...)...)
	must(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}
