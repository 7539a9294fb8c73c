package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jobsgo/jobs/admin"
	"github.com/jobsgo/jobs/metrics"
)

// server is the demo's admin API, dashboard and /metrics endpoint.
type server struct {
	http    *http.Server
	metrics *metrics.Metrics
	done    chan error
}

// serve starts the admin API (under /api/admin/), its dashboard (/jobs/) and Prometheus metrics
// (/metrics) on addr. The admin token is $JOBS_ADMIN_TOKEN, or a random one
// printed to out.
func serve(out io.Writer, addr string, backend jobs.Backend) (*server, error) {
	token := os.Getenv("JOBS_ADMIN_TOKEN")
	if token == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		token = hex.EncodeToString(b)
	}
	api, err := admin.New(backend, admin.WithToken(token))
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	reg := prometheus.NewRegistry()
	if err := reg.Register(m); err != nil {
		return nil, err
	}
	if err := reg.Register(metrics.NewStatsCollector(backend)); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/admin/", api)
	mux.Handle(admin.DashboardPath, api)
	mux.Handle("/metrics", metrics.Handler(reg))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	s := &server{http: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}, metrics: m, done: make(chan error, 1)}
	go func() { s.done <- s.http.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "-- admin API: curl -H 'Authorization: Bearer %s' %s/api/admin/jobs/stats\n", token, base)
	fmt.Fprintf(out, "-- dashboard: %s%s (log in with the token)\n", base, admin.DashboardPath)
	fmt.Fprintf(out, "-- metrics:   %s/metrics\n", base)
	return s, nil
}

// wait serves until ctx is done, then stops the server.
func (s *server) wait(ctx context.Context, out io.Writer) error {
	fmt.Fprintln(out, "-- still serving the admin API and metrics; press Ctrl-C to stop")
	select {
	case err := <-s.done:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.http.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
