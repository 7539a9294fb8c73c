package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/jobsgo/jobs/adapters/memory"
	"github.com/jobsgo/jobs/adapters/redis/redistest"
	"github.com/jobsgo/jobs/admin"
	"github.com/jobsgo/jobs/internal/testenv"
)

// browserToken is the admin token the browser tests log in with.
const browserToken = "browser-test-token"

// xss is a payload in a dead letter's args and error: the pages must show
// it as text and run nothing.
const xss = `<img src=x onerror="alert(1)"><script>alert(2)</script>"'&`

// browser starts one headless chromium for the test and its subtests and
// returns a context of a fresh tab, and the dialogs pages opened so far.
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(testenv.Chromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 800),
	)
	// Not t.Context(): it ends before the cleanup that closes the browser.
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		// Close the browser and wait for it to exit before its profile
		// directory is removed.
		if err := chromedp.Cancel(ctx); err != nil {
			t.Logf("closing chromium: %v", err)
		}
		cancel()
		cancelAlloc()
	})
	var mu sync.Mutex
	var dialogs []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			mu.Lock()
			dialogs = append(dialogs, string(d.Type)+": "+d.Message)
			mu.Unlock()
			go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(true)) }()
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), dialogs...) }
}

// seedDashboard stores: emails with 3 pending jobs (one of them leased,
// so running) and 1 scheduled; reports with dead letters r-dead-1 and
// x-xss (the payload in args, error and stack trace), with metadata
// trace_id "trace-" + their ID and stack traces from stackOf.
func seedDashboard(t *testing.T, b jobs.Backend) {
	t.Helper()
	ctx := t.Context()
	enqueue := func(id, queue, args string, opts ...jobs.EnqueueOption) {
		t.Helper()
		opts = append([]jobs.EnqueueOption{jobs.WithJobID(id), jobs.WithQueue(queue), jobs.WithMaxRetries(0)}, opts...)
		j, err := jobs.NewJob("email.send", []byte(args), jobs.ResolveEnqueueOptions(opts...), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Enqueue(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	fail := func(id, args, msg string) {
		t.Helper()
		enqueue(id, "reports", args, jobs.WithMetadata("trace_id", "trace-"+id))
		batch, err := b.Dequeue(ctx, "reports", 1, time.Minute)
		if err != nil || len(batch) != 1 {
			t.Fatalf("Dequeue(reports) = %v, %v", batch, err)
		}
		j, err := batch[0].Fail(jobs.JobError{Message: msg, Type: "error", Stacktrace: stackOf(msg)}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Ack(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	fail("r-dead-1", `{"report":1}`, "no data")
	fail("x-xss", `{"name":`+jsonString(xss)+`}`, xss)
	enqueue("e-run", "emails", `{}`)
	if batch, err := b.Dequeue(ctx, "emails", 1, time.Minute); err != nil || len(batch) != 1 {
		t.Fatalf("Dequeue(emails) = %v, %v", batch, err)
	}
	for _, id := range []string{"e-1", "e-2", "e-3"} {
		enqueue(id, "emails", `{}`)
	}
	enqueue("e-later", "emails", `{}`, jobs.RunIn(time.Hour))
}

// stackOf is the stack trace seedDashboard stores with the error msg.
func stackOf(msg string) string {
	return "goroutine 7 [running]:\nreports.Build({" + msg + "})\n\t/src/reports/build.go:42 +0x1d"
}

// jsonString is s as a JSON string literal.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// jsonStringAsWritten is s as a JSON string literal without the escapes
// encoding/json adds for HTML (<, > and & as themselves).
func jsonStringAsWritten(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// dashboardServer serves h under /ops/ (the dashboard at /ops/jobs/) and
// returns the dashboard's URL.
func dashboardServer(t *testing.T, b jobs.Backend, opts ...admin.Option) string {
	t.Helper()
	opts = append([]admin.Option{admin.WithToken(browserToken), admin.WithAllowedHosts(admin.LoopbackHosts...)}, opts...)
	h, err := admin.New(b, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ops/", http.StripPrefix("/ops", h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/ops" + admin.DashboardPath
}

// login logs in with token from the login page.
func login(url, token string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(url),
		chromedp.WaitVisible("#token", chromedp.ByQuery),
		chromedp.SendKeys("#token", token, chromedp.ByQuery),
		chromedp.Submit("#token", chromedp.ByQuery),
	}
}

// screenshot saves the page to $JOBS_SCREENSHOTS/name.png when the
// variable names a directory, so that ordinary runs leave the tree alone.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("JOBS_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runner returns a function that runs a step's actions in ctx within
// stepTimeout, failing t when they fail.
func runner(ctx context.Context) func(t *testing.T, actions ...chromedp.Action) {
	return func(t *testing.T, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, stepTimeout)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
}

// browserBackends are the backends every browser test drives the
// dashboard on.
var browserBackends = []struct {
	name string
	new  func(t *testing.T) jobs.Backend
}{
	{"memory", func(*testing.T) jobs.Backend { return memory.New() }},
	{"redis", func(t *testing.T) jobs.Backend { b, _ := redistest.New(t); return b }},
}
