package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/admin"
)

// serving runs "jobs serve" with args and vars until the test ends, and
// returns its base URL.
func serving(t *testing.T, args []string, vars map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), env{
			getenv: func(k string) string { return vars[k] },
			stdout: io.Discard,
			stderr: pw,
			connect: func(context.Context, target) (jobs.Backend, func() error, error) {
				return fixture(t), func() error { return nil }, nil
			},
		})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed %q: %v", line, err)
	}
	go io.Copy(io.Discard, pr)
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exited with %d after its context ended, want 0", code)
		}
	})
	_, rest, ok := strings.Cut(line, "listening on ")
	if !ok {
		t.Fatalf("serve printed %q, want its address", line)
	}
	url, _, _ := strings.Cut(rest, " ")
	return url
}

// send makes a request (JSON, unless a GET) with an optional bearer token
// and returns the status and body.
func send(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

func TestServe(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		vars  map[string]string
		token string // sent with the requests
		anon  int    // status of an unauthenticated stats request
	}{
		{"token", nil, map[string]string{"JOBS_ADMIN_TOKEN": "tok"}, "tok", http.StatusUnauthorized},
		{"insecure loopback", []string{"--insecure"}, nil, "", http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := serving(t, c.args, c.vars)
			if code, body := send(t, http.MethodGet, base+"/api/admin/jobs/stats", c.token); code != http.StatusOK || !strings.Contains(body, `"name":"emails"`) {
				t.Fatalf("stats: %d %s", code, body)
			}
			if code, body := send(t, http.MethodGet, base+"/api/admin/jobs/stats", ""); code != c.anon {
				t.Fatalf("unauthenticated stats: %d %s, want %d", code, body, c.anon)
			}
			code, body := send(t, http.MethodGet, base+"/metrics", "")
			for _, want := range []string{`jobs_queue_size{queue="emails"} 2`, `jobs_queue_dead_letters{queue="reports"} 2`, "jobs_backend_up 1", "go_goroutines"} {
				if code != http.StatusOK || !strings.Contains(body, want) {
					t.Fatalf("/metrics: %d, lacks %q", code, want)
				}
			}
		})
	}
}

func TestLoopbackOnly(t *testing.T) {
	cases := []struct {
		remote string
		ok     bool
	}{
		{"127.0.0.1:5000", true},
		{"[::1]:5000", true},
		{"10.0.0.8:5000", false},
		{"[2001:db8::1]:5000", false},
		{"garbage", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = c.remote
		err := loopbackOnly(r)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, admin.ErrForbidden)) {
			t.Errorf("loopbackOnly(%s) = %v, want allowed %v", c.remote, err, c.ok)
		}
	}
}
