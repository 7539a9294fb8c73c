package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/admin"
	"github.com/jobsgo/jobs/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// shutdownTimeout bounds the wait for open requests when serve stops;
// readHeaderTimeout bounds the wait for a request's headers.
const (
	shutdownTimeout   = 5 * time.Second
	readHeaderTimeout = 10 * time.Second
)

func runServe(ctx context.Context, c *cli, args []string) error {
	fs := c.flagSet("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	readOnly := fs.Bool("read-only", false, "refuse every mutating endpoint (403)")
	insecure := fs.Bool("insecure", false, "without $JOBS_ADMIN_TOKEN, let in loopback clients only; needs a loopback --addr")
	allowHosts := fs.String("allow-host", "", "comma-separated extra host names the server answers for (e.g. the name a proxy forwards); a loopback --addr answers only localhost, 127.0.0.1 and [::1], an IP --addr only that IP")
	metricsAuth := fs.Bool("metrics-auth", false, "put /metrics behind the admin API's authentication")
	idleTimeout := fs.Duration("idle-timeout", 2*time.Minute, "close a keep-alive connection idle this long")
	if _, err := c.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *idleTimeout <= 0 {
		return usagef("--idle-timeout must be positive, not %v", *idleTimeout)
	}
	log := slog.New(slog.NewTextHandler(c.stderr, nil))
	opts, err := serveAuth(c.getenv("JOBS_ADMIN_TOKEN"), *insecure, *addr)
	if err != nil {
		return err
	}
	hosts, err := serveHosts(*addr, *allowHosts)
	if err != nil {
		return err
	}
	if len(hosts) > 0 {
		opts = append(opts, admin.WithAllowedHosts(hosts...))
	}
	opts = append(opts, admin.WithLogger(log))
	if *readOnly {
		opts = append(opts, admin.WithReadOnly())
	}
	b, err := c.connected(ctx)
	if err != nil {
		return err
	}
	h, err := serveHandler(b, log, *metricsAuth, opts...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: *idleTimeout, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(c.stderr, "jobs serve: listening on http://%s (dashboard at /jobs/, admin API under /api/admin/, metrics at /metrics)\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serveAuth chooses how serve authenticates: the bearer token when there is
// one, else (with --insecure on a loopback address) loopback clients only.
func serveAuth(token string, insecure bool, addr string) ([]admin.Option, error) {
	if token != "" {
		return []admin.Option{admin.WithToken(token)}, nil
	}
	if !insecure {
		return nil, usagef("JOBS_ADMIN_TOKEN is not set: refusing to serve the admin API without authentication (for local use only: --insecure with a loopback --addr)")
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("--addr %q: %v", addr, err)
	}
	if !isLoopback(host) {
		return nil, usagef("--insecure needs a loopback --addr such as 127.0.0.1:8080, not %q", addr)
	}
	return []admin.Option{admin.WithAuthorizer(loopbackOnly)}, nil
}

// serveHosts are the Host names serve answers for: extra (comma-separated)
// and those of addr's host, the loopback names for a loopback address. It
// is empty, meaning any host, when addr binds every address and extra is
// empty.
func serveHosts(addr, extra string) ([]string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("--addr %q: %v", addr, err)
	}
	var hosts []string
	for h := range strings.SplitSeq(extra, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	switch ip := net.ParseIP(host); {
	case isLoopback(host):
		hosts = append(hosts, admin.LoopbackHosts...)
	case host == "" || (ip != nil && ip.IsUnspecified()):
	default:
		hosts = append(hosts, host)
	}
	return hosts, nil
}

// loopbackOnly lets in requests from loopback addresses.
func loopbackOnly(r *http.Request) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil || !isLoopback(host) {
		return fmt.Errorf("%w: %s is not a loopback client", admin.ErrForbidden, r.RemoteAddr)
	}
	return nil
}

// isLoopback reports whether host is localhost or a loopback IP.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveHandler routes /api/admin/ to the admin API, / and /jobs/ to its
// dashboard, and /metrics to the
// backend's gauges and the process's Go metrics, behind the API's
// authentication when metricsAuth is set and its Host check always.
func serveHandler(b jobs.Backend, log *slog.Logger, metricsAuth bool, opts ...admin.Option) (http.Handler, error) {
	api, err := admin.New(b, opts...)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(metrics.NewStatsCollector(b, metrics.WithCollectorLogger(log))); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/admin/", api)
	mux.Handle(admin.DashboardPath, api)
	mux.Handle("GET /{$}", api.CheckHost(http.RedirectHandler(admin.DashboardPath[1:], http.StatusFound)))
	m := api.CheckHost(metrics.Handler(reg))
	if metricsAuth {
		m = api.Protect(metrics.Handler(reg))
	}
	mux.Handle("GET /metrics", m)
	return mux, nil
}
