package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/adapters/redis/redistest"
	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// redisFixture is a deployment on the test Redis under a fresh key prefix,
// seeded by seed, and the jobs binary that operates it.
type redisFixture struct {
	bin    string         // the built jobs command
	url    string         // the test Redis
	prefix string         // the deployment's key prefix
	b      *redis.Backend // the deployment, by the fixture's clock
}

// client returns a plain go-redis client of the fixture's server, for
// changing its keys behind the backend's back; the test's cleanup closes it.
func (f *redisFixture) client(t *testing.T) *goredis.Client {
	t.Helper()
	opt, err := goredis.ParseURL(f.url)
	if err != nil {
		t.Fatal(err)
	}
	client := goredis.NewClient(opt)
	t.Cleanup(func() { client.Close() })
	return client
}

// buildJobs builds the jobs command into a temporary directory.
func buildJobs(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "jobs")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// newRedisFixture seeds a fresh deployment on the test Redis for bin; its
// keys are deleted when the test ends.
func newRedisFixture(t *testing.T, bin string) *redisFixture {
	t.Helper()
	clock := backendtest.NewClock(backendtest.Start)
	b, prefix := redistest.New(t, redis.WithClock(clock))
	seed(t, b, clock)
	return &redisFixture{bin: bin, url: redistest.URL(t), prefix: prefix, b: b}
}

// flags returns args after the --redis-url and --prefix of f.
func (f *redisFixture) flags(args ...string) []string {
	return append([]string{"--redis-url", f.url, "--prefix", f.prefix}, args...)
}

// command returns the jobs command with args, in this process's
// environment without the jobs variables, plus vars ("NAME=value").
func (f *redisFixture) command(ctx context.Context, args []string, vars ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, f.bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JOBS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, vars...)
	return cmd
}

// run runs the jobs command with args to the end.
func (f *redisFixture) run(t *testing.T, args []string, vars ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := f.command(ctx, args, vars...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("jobs %v: %v", args, err)
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// TestRedisCommands runs the built jobs command on a deployment in Redis:
// every command line must print what it prints on the memory backend.
func TestRedisCommands(t *testing.T) {
	testenv.RedisURL(t)
	bin := buildJobs(t)
	for _, c := range commandCases() {
		t.Run(c.name, func(t *testing.T) {
			f := newRedisFixture(t, bin)
			c.check(t, f.run(t, f.flags(c.args...)), f.b)
		})
	}
}

// TestRedisQuarantinedJob quarantines a job whose attempt no reader can
// parse, then reads, retries and deletes it with the built command.
func TestRedisQuarantinedJob(t *testing.T) {
	testenv.RedisURL(t)
	f := newRedisFixture(t, buildJobs(t))
	ctx := t.Context()
	client := f.client(t)
	const huge = "99999999999999999999999"
	if err := client.HSet(ctx, f.prefix+":{emails}:j:e-pend-1", "a", huge).Err(); err != nil {
		t.Fatal(err)
	}
	drain := func() { // takes every pending job, which quarantines the corrupt one
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		for {
			if _, err := f.b.Dequeue(short, "emails", 10, time.Minute); err != nil {
				return
			}
		}
	}
	drain()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"job", "e-pend-1"}, `a="` + huge + `"`},
		{[]string{"retry", "e-pend-1"}, "now pending"},
		{[]string{"job", "e-pend-1"}, "State:       pending"},
	} {
		res := f.run(t, f.flags(c.args...))
		if res.code != exitOK || !strings.Contains(res.stdout, c.want) {
			t.Fatalf("jobs %v: exit %d, stdout %q, stderr %q; want %q in stdout", c.args, res.code, res.stdout, res.stderr, c.want)
		}
	}
	if err := client.HSet(ctx, f.prefix+":{emails}:j:e-pend-1", "a", huge).Err(); err != nil {
		t.Fatal(err)
	}
	drain()
	if res := f.run(t, f.flags("delete", "e-pend-1")); res.code != exitOK {
		t.Fatalf("jobs delete: exit %d, stderr %q", res.code, res.stderr)
	}
	if _, err := f.b.Job(ctx, "e-pend-1"); !errors.Is(err, jobs.ErrJobNotFound) {
		t.Fatalf("Job after jobs delete: %v", err)
	}
}

// TestRedisRepair overwrites the pending list of a queue with a string,
// as an operator's mistake would: jobs repair reports it, and with --fix
// moves it aside and puts its pending jobs back, which run again.
func TestRedisRepair(t *testing.T) {
	testenv.RedisURL(t)
	f := newRedisFixture(t, buildJobs(t))
	ctx := t.Context()
	client := f.client(t)
	if err := client.Set(ctx, f.prefix+":{emails}:p2", "oops", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.Dequeue(ctx, "emails", 1, time.Minute); err == nil || !strings.Contains(err.Error(), ":{emails}:p2") {
		t.Fatalf("Dequeue with a broken pending list: %v; want an error naming the key", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"repair", "emails"}, "found; run with --fix"},
		{[]string{"repair", "--fix", "emails"}, " repaired."},
		{[]string{"repair", "emails"}, "nothing to repair"},
	} {
		res := f.run(t, f.flags(c.args...))
		if res.code != exitOK || !strings.Contains(res.stdout, c.want) {
			t.Fatalf("jobs %v: exit %d, stdout %q, stderr %q; want %q", c.args, res.code, res.stdout, res.stderr, c.want)
		}
	}
	batch, err := f.b.Dequeue(ctx, "emails", 10, time.Minute)
	if err != nil || len(batch) != 2 {
		t.Fatalf("Dequeue after repair = %d jobs, %v; want the 2 pending jobs", len(batch), err)
	}
}

// TestRedisConnection checks how the built command finds its deployment:
// $JOBS_REDIS_URL and $JOBS_REDIS_PREFIX stand in for the flags, and a
// server that does not answer is an error (exit 1).
func TestRedisConnection(t *testing.T) {
	testenv.RedisURL(t)
	f := newRedisFixture(t, buildJobs(t))
	cases := []struct {
		name   string
		args   []string
		vars   []string
		code   int
		stdout string // must appear in stdout
		stderr string // must appear in stderr
	}{
		{"flags", f.flags("queues"), nil, exitOK, "emails   active  2", ""},
		{"flags after the command", []string{"queues", "--prefix", f.prefix, "--redis-url", f.url}, nil, exitOK, "emails   active  2", ""},
		{"environment", []string{"queues"}, []string{"JOBS_REDIS_URL=" + f.url, "JOBS_REDIS_PREFIX=" + f.prefix}, exitOK, "reports  active  0", ""},
		{"flags over environment", f.flags("queues"), []string{"JOBS_REDIS_URL=redis://127.0.0.1:1/0", "JOBS_REDIS_PREFIX=nowhere"}, exitOK, "emails   active  2", ""},
		{"other prefix", f.flags("--prefix", f.prefix+"-other", "queues"), nil, exitOK, "No queues.", ""},
		{"no server", f.flags("--redis-url", "redis://127.0.0.1:1/0", "stats"), nil, exitError, "", "connect to redis://127.0.0.1:1/0"},
		{"bad URL", f.flags("--redis-url", "mysql://x", "stats"), nil, exitError, "", "connect to mysql://x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := f.run(t, c.args, c.vars...)
			if res.code != c.code || !strings.Contains(res.stdout, c.stdout) || !strings.Contains(res.stderr, c.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q and %q", res.code, res.stdout, res.stderr, c.code, c.stdout, c.stderr)
			}
		})
	}
}

// TestRedisEvictionPolicy runs the built command on a server that may
// evict keys: every command refuses it with a message that says what to
// set, unless --allow-eviction is given, which logs a warning instead.
func TestRedisEvictionPolicy(t *testing.T) {
	testenv.RedisURL(t)
	url := testenv.StartRedis(t, "--maxmemory-policy", "allkeys-lru")
	f := &redisFixture{bin: buildJobs(t)}
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string // must appear in stderr
	}{
		{"refused", []string{"--redis-url", url, "queues"}, exitError, "set maxmemory-policy noeviction"},
		{"refused, serve", []string{"--redis-url", url, "serve", "--insecure", "--addr", "127.0.0.1:0"}, exitError, "--allow-eviction"},
		{"allowed", []string{"--redis-url", url, "--allow-eviction", "queues"}, exitOK, "maxmemory_policy=allkeys-lru"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := f.run(t, c.args)
			if res.code != c.code || !strings.Contains(res.stderr, c.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", res.code, res.stderr, c.code, c.stderr)
			}
		})
	}
}

// serveRedis starts "jobs serve" with args and vars on f's deployment and
// returns its base URL; the test's cleanup interrupts it and checks that
// it exits with 0.
func serveRedis(t *testing.T, f *redisFixture, args []string, vars ...string) string {
	t.Helper()
	// Not the test's context: it ends before the cleanup that stops serve.
	cmd := f.command(context.WithoutCancel(t.Context()), f.flags(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...), vars...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("signal serve: %v", err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("serve exited with %v after SIGTERM, want 0", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("serve did not exit after SIGTERM")
		}
	})
	r := bufio.NewReader(stderr)
	line, err := r.ReadString('\n')
	for err == nil && strings.HasPrefix(line, "time=") { // a log line, such as the backend's warnings
		line, err = r.ReadString('\n')
	}
	go func() {
		io.Copy(io.Discard, r)
		exited <- cmd.Wait()
	}()
	if err != nil {
		t.Fatalf("serve printed %q: %v", line, err)
	}
	_, rest, ok := strings.Cut(line, "listening on ")
	if !ok {
		t.Fatalf("serve printed %q, want its address", line)
	}
	url, _, _ := strings.Cut(rest, " ")
	return url
}

// TestRedisServe runs the built "jobs serve" on a deployment in Redis and
// uses its admin API and /metrics over HTTP.
func TestRedisServe(t *testing.T) {
	testenv.RedisURL(t)
	bin := buildJobs(t)
	const token = "tok-" + "redis"
	cases := []struct {
		name   string
		args   []string
		vars   []string
		token  string     // sent with the admin requests
		anon   int        // status of an unauthenticated stats request
		mutate int        // status of retrying e-dead and pausing emails
		state  jobs.State // of e-dead afterwards
	}{
		{"token", nil, []string{"JOBS_ADMIN_TOKEN=" + token}, token, http.StatusUnauthorized, http.StatusOK, jobs.StatePending},
		{"read-only", []string{"--read-only"}, []string{"JOBS_ADMIN_TOKEN=" + token}, token, http.StatusUnauthorized, http.StatusForbidden, jobs.StateFailed},
		{"insecure loopback", []string{"--insecure"}, nil, "", http.StatusOK, http.StatusOK, jobs.StatePending},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newRedisFixture(t, bin)
			base := serveRedis(t, f, c.args, c.vars...)
			if code, body := send(t, http.MethodGet, base+"/api/admin/jobs/stats", c.token); code != http.StatusOK ||
				!strings.Contains(body, `"name":"emails","paused":false,"size":2`) || !strings.Contains(body, `"dead_letters":3`) {
				t.Fatalf("stats: %d %s", code, body)
			}
			if code, body := send(t, http.MethodGet, base+"/api/admin/jobs/stats", ""); code != c.anon {
				t.Fatalf("unauthenticated stats: %d %s, want %d", code, body, c.anon)
			}
			code, body := send(t, http.MethodGet, base+"/metrics", "")
			for _, want := range []string{
				`jobs_queue_size{queue="emails"} 2`, `jobs_queue_scheduled{queue="emails"} 1`, `jobs_queue_running{queue="emails"} 1`,
				`jobs_queue_dead_letters{queue="reports"} 2`, `jobs_queue_paused{queue="emails"} 0`,
				`jobs_workers{queue="emails",status="running"} 1`, "jobs_backend_up 1", "go_goroutines",
			} {
				if code != http.StatusOK || !strings.Contains(body, want) {
					t.Fatalf("/metrics: %d, lacks %q:\n%s", code, want, body)
				}
			}
			if code, body := send(t, http.MethodGet, base+"/api/admin/jobs/nope", c.token); code != http.StatusNotFound {
				t.Fatalf("unknown job: %d %s, want 404", code, body)
			}
			if code, body := send(t, http.MethodPost, base+"/api/admin/jobs/e-dead/retry", c.token); code != c.mutate {
				t.Fatalf("retry: %d %s, want %d", code, body, c.mutate)
			}
			if code, body := send(t, http.MethodPost, base+"/api/admin/queues/emails/pause", c.token); code != c.mutate {
				t.Fatalf("pause: %d %s, want %d", code, body, c.mutate)
			}
			if j, err := f.b.Job(t.Context(), "e-dead"); err != nil || j.State != c.state {
				t.Fatalf("e-dead after retry: %s, %v; want %s", j.State, err, c.state)
			}
			expectPaused("emails", c.mutate == http.StatusOK)(t, f.b)
		})
	}
}
