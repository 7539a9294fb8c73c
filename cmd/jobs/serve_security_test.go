package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// request sends method to url with the given headers and returns the
// status and body.
func request(t *testing.T, method, url string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestServeRefusesForeignHostsAndCrossOrigin is the DNS-rebinding attack
// on "jobs serve --insecure": a page on attacker.example resolving to
// 127.0.0.1 must neither read the API nor pause a queue.
func TestServeRefusesForeignHostsAndCrossOrigin(t *testing.T) {
	base := serving(t, []string{"--insecure", "--allow-host", "jobs.internal"}, nil)
	port := base[strings.LastIndex(base, ":")+1:]
	json := "application/json"
	cases := []struct {
		name   string
		method string
		path   string
		hdr    map[string]string
		want   int
	}{
		{"foreign host reads stats", "GET", "/api/admin/jobs/stats", map[string]string{"Host": "attacker.example:" + port}, http.StatusMisdirectedRequest},
		{"foreign host pauses", "POST", "/api/admin/queues/emails/pause", map[string]string{"Host": "attacker.example:" + port, "Origin": "http://attacker.example:" + port, "Content-Type": json}, http.StatusMisdirectedRequest},
		{"foreign host reads metrics", "GET", "/metrics", map[string]string{"Host": "attacker.example"}, http.StatusMisdirectedRequest},
		{"cross-origin pause (Origin)", "POST", "/api/admin/queues/emails/pause", map[string]string{"Origin": "http://attacker.example", "Content-Type": json}, http.StatusForbidden},
		{"cross-site pause (Sec-Fetch-Site)", "POST", "/api/admin/queues/emails/pause", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://attacker.example", "Content-Type": json}, http.StatusForbidden},
		{"localhost reads stats", "GET", "/api/admin/jobs/stats", map[string]string{"Host": "localhost:" + port}, http.StatusOK},
		{"[::1] reads stats", "GET", "/api/admin/jobs/stats", map[string]string{"Host": "[::1]:" + port}, http.StatusOK},
		{"allowed extra host reads stats", "GET", "/api/admin/jobs/stats", map[string]string{"Host": "JOBS.internal"}, http.StatusOK},
		{"same-origin pause", "POST", "/api/admin/queues/emails/pause", map[string]string{"Origin": base, "Sec-Fetch-Site": "same-origin", "Content-Type": json}, http.StatusOK},
		{"non-browser pause", "POST", "/api/admin/queues/reports/pause", map[string]string{"Content-Type": json}, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if code, body := request(t, c.method, base+c.path, c.hdr); code != c.want {
				t.Fatalf("%s %s with %v: %d %s, want %d", c.method, c.path, c.hdr, code, body, c.want)
			}
		})
	}
	if _, body := request(t, "GET", base+"/api/admin/queues", nil); strings.Count(body, `"paused":true`) != 2 {
		t.Fatalf("queues after the refused and accepted pauses: %s, want exactly emails and reports paused", body)
	}
}

func TestServeMetricsAuth(t *testing.T) {
	base := serving(t, []string{"--metrics-auth"}, map[string]string{"JOBS_ADMIN_TOKEN": "tok"})
	if code, _ := request(t, "GET", base+"/metrics", nil); code != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d, want 401", code)
	}
	if code, body := request(t, "GET", base+"/metrics", map[string]string{"Authorization": "Bearer tok"}); code != http.StatusOK || !strings.Contains(body, "jobs_backend_up 1") {
		t.Fatalf("/metrics with the token: %d %.200s", code, body)
	}
}

// TestServeClosesIdleConnections opens a keep-alive connection, makes one
// request and waits: the server must close it after --idle-timeout.
func TestServeClosesIdleConnections(t *testing.T) {
	base := serving(t, []string{"--insecure", "--idle-timeout", "200ms"}, nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /api/admin/queues HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, res.Body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("first request: %d, %v", res.StatusCode, err)
	}
	start := time.Now()
	if err := conn.SetReadDeadline(start.Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection read: %v, want EOF (closed by the server)", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the server closed the idle connection after %v, want about 200ms", d)
	}
}

func TestServeHosts(t *testing.T) {
	cases := []struct {
		addr, extra string
		want        string
	}{
		{"127.0.0.1:8080", "", "localhost,127.0.0.1,::1"},
		{"localhost:8080", "a.example, b.example", "a.example,b.example,localhost,127.0.0.1,::1"},
		{"10.0.0.5:8080", "", "10.0.0.5"},
		{":8080", "", ""},
		{"0.0.0.0:8080", "jobs.example", "jobs.example"},
	}
	for _, c := range cases {
		got, err := serveHosts(c.addr, c.extra)
		if err != nil || strings.Join(got, ",") != c.want {
			t.Errorf("serveHosts(%q, %q) = %q, %v; want %q", c.addr, c.extra, got, err, c.want)
		}
	}
}
