package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs/admin"
)

// syncBuffer is a bytes.Buffer that a test reads while the demo writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeKeepsJobsFlowing runs the demo with -serve and checks that,
// after the scenario, the dashboard's figures keep moving: jobs are
// processed between two looks, some retried and some dead, and the
// overview lists the demo's queues. Interrupting it ends it cleanly.
func TestServeKeepsJobsFlowing(t *testing.T) {
	t.Setenv("JOBS_ADMIN_TOKEN", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, &out, config{serveAddr: "127.0.0.1:0"}) }()

	var token, base string
	waitFor(t, done, &out, "jobs keep flowing", func() bool {
		m := regexp.MustCompile(`Bearer ([0-9a-f]{32})' (http://[^/]+)/api/admin`).FindStringSubmatch(out.String())
		if m != nil {
			token, base = m[1], m[2]
		}
		return m != nil && strings.Contains(out.String(), "-- jobs keep flowing")
	})
	stats := func() admin.Stats {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+"/api/admin/jobs/stats", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var s admin.Stats
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := stats()
	time.Sleep(3 * time.Second)
	second := stats()
	t.Logf("processed %d, then %d three seconds later; failed %d, dead letters %d", first.Processed, second.Processed, second.Failed, second.DeadLetters)
	if second.Processed < first.Processed+5 {
		t.Errorf("processed went from %d to %d in 3 s: the jobs do not flow", first.Processed, second.Processed)
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.PostForm(base+admin.DashboardPath+"login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	_, _ = page.ReadFrom(resp.Body)
	resp.Body.Close()
	for _, q := range []string{"billing", "emails", "media", "reports", "exports"} {
		if !strings.Contains(page.String(), `data-queue="`+q+`"`) {
			t.Errorf("the dashboard's overview (%d) lists no queue %s", resp.StatusCode, q)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo: %v\n%s", err, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop after the interrupt")
	}
}

// waitFor polls cond for up to a minute, failing when the demo ends first.
func waitFor(t *testing.T, done chan error, out *syncBuffer, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("the demo ended (%v) before %s:\n%s", err, what, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute:\n%s", what, out.String())
		}
	}
}
