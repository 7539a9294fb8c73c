package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"testing"

	"github.com/jobsgo/jobs/adapters/memory"
)

func TestServe(t *testing.T) {
	t.Setenv("JOBS_ADMIN_TOKEN", "")
	var out bytes.Buffer
	s, err := serve(&out, "127.0.0.1:0", memory.New())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer func() {
		cancel()
		if err := s.wait(ctx, &out); err != nil {
			t.Error(err)
		}
	}()
	m := regexp.MustCompile(`Bearer ([0-9a-f]{32})' (http://[^/]+)/api/admin/jobs/stats`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("serve printed no token and address:\n%s", out.String())
	}
	token, base := m[1], m[2]
	tests := []struct {
		path, token string
		want        int
	}{
		{"/api/admin/jobs/stats", token, http.StatusOK},
		{"/api/admin/jobs/stats", "", http.StatusUnauthorized},
		{"/api/admin/jobs/stats", "wrong", http.StatusUnauthorized},
		{"/metrics", "", http.StatusOK},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, base+tt.path, nil)
		if tt.token != "" {
			req.Header.Set("Authorization", "Bearer "+tt.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s with token %q: %d, want %d", tt.path, tt.token, resp.StatusCode, tt.want)
		}
	}
}
