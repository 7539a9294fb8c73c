package admin_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/chromedp/chromedp"

	"github.com/jobsgo/jobs/admin"
)

// bulkJobs is how many pending jobs seedQueues puts in queue bulk: more
// than one page of the queue page.
const bulkJobs = 63

// seedQueues stores: emails with 6 pending jobs (e-0..e-4 of type
// email.send to user<i>@example.com, e-xss of type email.digest with the
// XSS payload in its args) and 1 scheduled; bulk with bulkJobs pending
// jobs b-00..; reports with the dead letter r-flaky (3 attempts: two
// retried, the last failing with the XSS payload) and the dead letters
// d-1 "no data", d-2 "disk full", d-3 "no data again" (types report.build,
// report.mail, report.build), failed in that order.
func seedQueues(t *testing.T, b jobs.Backend) {
	t.Helper()
	ctx := t.Context()
	newJob := func(id, queue, jobType, args string, opts ...jobs.EnqueueOption) jobs.Job {
		t.Helper()
		opts = append([]jobs.EnqueueOption{jobs.WithJobID(id), jobs.WithQueue(queue), jobs.WithMaxRetries(0)}, opts...)
		j, err := jobs.NewJob(jobType, []byte(args), jobs.ResolveEnqueueOptions(opts...), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	var batch []jobs.Job
	for i := range 5 {
		batch = append(batch, newJob(fmt.Sprintf("e-%d", i), "emails", "email.send", fmt.Sprintf(`{"to":"User%d@example.com"}`, i)))
	}
	batch = append(batch, newJob("e-xss", "emails", "email.digest", `{"to":`+jsonString(xss)+`}`),
		newJob("e-later", "emails", "email.send", `{}`, jobs.RunIn(time.Hour)))
	for i := range bulkJobs {
		batch = append(batch, newJob(fmt.Sprintf("b-%02d", i), "bulk", "bulk.item", fmt.Sprintf(`{"n":%d}`, i)))
	}
	if err := b.Enqueue(ctx, batch...); err != nil {
		t.Fatal(err)
	}
	// run leases the next reports job, which must be id, and ends its
	// attempt with end.
	run := func(id string, end func(jobs.Job) (jobs.Job, error)) {
		t.Helper()
		got, err := b.Dequeue(ctx, "reports", 1, time.Minute)
		if err != nil || len(got) != 1 || got[0].ID != id {
			t.Fatalf("Dequeue(reports) = %v, %v; want %s", got, err, id)
		}
		next, err := end(got[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Ack(ctx, next); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Enqueue(ctx, newJob("r-flaky", "reports", "report.build", `{"report":7}`, jobs.WithMaxRetries(2))); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"timeout talking to the database", "connection refused"} {
		run("r-flaky", func(j jobs.Job) (jobs.Job, error) {
			return j.PrepareRetry(jobs.JobError{Type: "net.Error", Message: msg}, time.Now().Add(-time.Second), time.Now())
		})
		if n, err := b.PromoteDue(ctx); err != nil || n != 1 {
			t.Fatalf("PromoteDue = %d, %v; want 1", n, err)
		}
	}
	failWith := func(msg string) func(jobs.Job) (jobs.Job, error) {
		return func(j jobs.Job) (jobs.Job, error) {
			return j.Fail(jobs.JobError{Type: "error", Message: msg, Stacktrace: stackOf(msg)}, time.Now())
		}
	}
	run("r-flaky", failWith(xss))
	for _, d := range []struct{ id, jobType, msg string }{
		{"d-1", "report.build", "no data"}, {"d-2", "report.mail", "disk full"}, {"d-3", "report.build", "no data again"},
	} {
		time.Sleep(2 * time.Millisecond) // distinct failure times, newest last
		if err := b.Enqueue(ctx, newJob(d.id, "reports", d.jobType, `{}`)); err != nil {
			t.Fatal(err)
		}
		run(d.id, failWith(d.msg))
	}
}

// TestDashboardQueuesInBrowser drives the queue page, the job page's
// attempts and actions and the dead-letter page's filters and bulk
// actions in headless chromium, on the memory and the Redis backend.
func TestDashboardQueuesInBrowser(t *testing.T) {
	ctx, dialogs := browser(t)
	for _, bk := range browserBackends {
		t.Run(bk.name, func(t *testing.T) {
			b := bk.new(t)
			seedQueues(t, b)
			url := dashboardServer(t, b)
			run := runner(ctx)
			run(t, login(url, browserToken), chromedp.WaitVisible("#queues", chromedp.ByQuery))
			browseQueue(t, ctx, url, b, run)
			browseAttempts(t, url, b, run)
			browseDeadLetters(t, url, b, run)
			t.Run("no script ran", func(t *testing.T) {
				for _, d := range dialogs() {
					if !strings.HasPrefix(d, "confirm: ") {
						t.Fatalf("a page opened the dialog %q", d)
					}
				}
			})
			t.Run("read-only shows no actions", func(t *testing.T) {
				ro := dashboardServer(t, b, admin.WithReadOnly())
				run(t, login(ro, browserToken), chromedp.WaitVisible("main table", chromedp.ByQuery))
				for _, p := range []string{"queue?name=emails", "queue?name=reports&state=failed", "dead", "dead?error=no+data", "job/d-2"} {
					var n int
					run(t, chromedp.Navigate(ro+p), chromedp.WaitVisible("main h1", chromedp.ByQuery),
						chromedp.Evaluate(`document.querySelectorAll("main button.action, main form[method=post], main input[type=checkbox]").length`, &n))
					if n != 0 {
						t.Errorf("read-only page %q has %d buttons, action forms or checkboxes", p, n)
					}
				}
			})
		})
	}
}

// rowIDs returns the data-job attributes of the rows of the table sel.
func rowIDs(sel string, ids *[]string) chromedp.Action {
	return chromedp.Evaluate(`Array.from(document.querySelectorAll(`+jsonString(sel+" tbody tr[data-job]")+`), r => r.dataset.job)`, ids)
}

// browseQueue walks the queue page of the dashboard at url on b, seeded by
// seedQueues.
func browseQueue(t *testing.T, ctx context.Context, url string, b jobs.Backend, run func(*testing.T, ...chromedp.Action)) {
	var text, loc string
	var ids []string
	t.Run("overview links the queue page", func(t *testing.T) {
		run(t, chromedp.Click(`tr[data-queue="emails"] th a`, chromedp.ByQuery), chromedp.WaitVisible("#jobs", chromedp.ByQuery),
			chromedp.Location(&loc), rowIDs("#jobs", &ids))
		if loc != url+"queue?name=emails" {
			t.Fatalf("queue link went to %s", loc)
		}
		if want := []string{"e-0", "e-1", "e-2", "e-3", "e-4", "e-xss"}; !slices.Equal(ids, want) {
			t.Fatalf("pending emails %v, want %v", ids, want)
		}
		for state, want := range map[string]string{"pending": "6", "scheduled": "1", "running": "0", "failed": "0"} {
			run(t, chromedp.Text(`.tabs a[data-state="`+state+`"] .count`, &text, chromedp.ByQuery))
			if text != want {
				t.Errorf("%s tab counts %q, want %s", state, text, want)
			}
		}
		screenshot(t, ctx, "queue")
	})

	t.Run("XSS payload in args is text", func(t *testing.T) {
		var imgs, scripts int
		run(t, chromedp.Text(`tr[data-job="e-xss"] code.args`, &text, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelectorAll("main img").length`, &imgs),
			chromedp.Evaluate(`document.querySelectorAll("main script").length`, &scripts))
		if want := `{"to":` + jsonStringAsWritten(xss) + `}`; text != want || imgs != 0 || scripts != 0 {
			t.Fatalf("args cell %q (want %q), %d img, %d script elements", text, want, imgs, scripts)
		}
	})

	t.Run("filter by type and search args", func(t *testing.T) {
		cases := []struct {
			typ, search string
			want        []string
			note        string
		}{
			{"email.digest", "", []string{"e-xss"}, "Scanned 6 of 6 pending jobs: 1 matched."},
			{"", "user3@EXAMPLE", []string{"e-3"}, "Scanned 6 of 6 pending jobs: 1 matched."},
			{"email.send", "example.com", []string{"e-0", "e-1", "e-2", "e-3", "e-4"}, "Scanned 6 of 6 pending jobs: 5 matched."},
			{"", "nobody", nil, "Scanned 6 of 6 pending jobs: 0 matched."},
		}
		for _, c := range cases {
			// The fields start empty: type into those the case fills.
			steps := []chromedp.Action{chromedp.Navigate(url + "queue?name=emails"), chromedp.WaitVisible("#filter", chromedp.ByQuery)}
			for field, v := range map[string]string{"type": c.typ, "q": c.search} {
				if v != "" {
					steps = append(steps, chromedp.SendKeys(`#filter input[name="`+field+`"]`, v, chromedp.ByQuery))
				}
			}
			run(t, append(steps, chromedp.Submit(`#filter input[name="q"]`, chromedp.ByQuery),
				chromedp.WaitVisible("#scanned", chromedp.ByQuery),
				rowIDs("#jobs", &ids), chromedp.Text("#scanned", &text, chromedp.ByQuery))...)
			if !slices.Equal(ids, c.want) || text != c.note {
				t.Errorf("type %q search %q: rows %v, note %q; want %v, %q", c.typ, c.search, ids, text, c.want, c.note)
			}
		}
	})

	t.Run("cursor paging", func(t *testing.T) {
		var first, second []string
		run(t, chromedp.Navigate(url+"queue?name=bulk"), chromedp.WaitVisible("#next", chromedp.ByQuery), rowIDs("#jobs", &first),
			chromedp.Click("#next", chromedp.ByQuery), chromedp.WaitVisible("#first", chromedp.ByQuery), rowIDs("#jobs", &second),
			chromedp.Text(`.tabs a[data-state="pending"] .count`, &text, chromedp.ByQuery))
		var want []string
		for i := range bulkJobs {
			want = append(want, fmt.Sprintf("b-%02d", i))
		}
		if !slices.Equal(append(first, second...), want) || len(first) != 50 || text != fmt.Sprint(bulkJobs) {
			t.Fatalf("pages %v then %v (count %s); want 50 then the rest of %v", first, second, text, want)
		}
		var next int
		run(t, chromedp.Evaluate(`document.querySelectorAll("#next").length`, &next))
		if next != 0 {
			t.Fatal("the last page offers a next page")
		}
	})

	t.Run("pause and resume on the queue page", func(t *testing.T) {
		run(t, chromedp.Navigate(url+"queue?name=emails"), chromedp.Click("#pause", chromedp.ByQuery),
			chromedp.WaitVisible("#queue-status .paused", chromedp.ByQuery), chromedp.Location(&loc))
		if !queuePaused(t, b, "emails") || loc != url+"queue?name=emails" {
			t.Fatalf("after Pause at %s: paused %v", loc, queuePaused(t, b, "emails"))
		}
		run(t, chromedp.Click("#pause", chromedp.ByQuery), chromedp.WaitNotPresent("#queue-status .paused", chromedp.ByQuery))
		if queuePaused(t, b, "emails") {
			t.Fatal("emails still paused after Resume")
		}
	})

	t.Run("job ID search opens the job", func(t *testing.T) {
		run(t, chromedp.SendKeys(`#find input[name="id"]`, "r-flaky", chromedp.ByQuery), chromedp.Submit(`#find input[name="id"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#job", chromedp.ByQuery), chromedp.Location(&loc), chromedp.Text("#state", &text, chromedp.ByQuery))
		if loc != url+"job/r-flaky" || text != "failed" {
			t.Fatalf("job search went to %s showing %q", loc, text)
		}
	})
}

// browseAttempts checks the job page's attempts of r-flaky and its retry,
// which asks first.
func browseAttempts(t *testing.T, url string, b jobs.Backend, run func(*testing.T, ...chromedp.Action)) {
	t.Run("job page lists every attempt", func(t *testing.T) {
		var rows [][]string
		run(t, chromedp.Navigate(url+"job/r-flaky"), chromedp.WaitVisible("#attempts", chromedp.ByQuery),
			chromedp.Evaluate(`Array.from(document.querySelectorAll("#attempts tbody tr"), r => [r.dataset.attempt, r.querySelector(".outcome").textContent, r.querySelector(".err").textContent])`, &rows))
		want := [][]string{
			{"1", "retrying", "net.Error: timeout talking to the database"},
			{"2", "retrying", "net.Error: connection refused"},
			{"3", "failed", "error: " + xss},
		}
		var imgs int
		run(t, chromedp.Evaluate(`document.querySelectorAll("main img, main script").length`, &imgs))
		if !slices.EqualFunc(rows, want, slices.Equal) || imgs != 0 {
			t.Fatalf("attempts %q (want %q), %d img or script elements", rows, want, imgs)
		}
		j, err := b.Job(t.Context(), "r-flaky")
		if err != nil || len(j.AttemptLog) != 3 {
			t.Fatalf("stored attempt log %+v, %v", j.AttemptLog, err)
		}
		var times []string
		run(t, chromedp.Evaluate(`Array.from(document.querySelectorAll("#attempts tbody tr[data-attempt='3'] time"), e => e.getAttribute("datetime"))`, &times))
		last := j.AttemptLog[2]
		if want := []string{last.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00"), last.FinishedAt.UTC().Format("2006-01-02T15:04:05.000Z07:00")}; !slices.Equal(times, want) {
			t.Errorf("attempt 3 times %v, want %v", times, want)
		}
	})
}

// browseDeadLetters walks the dead-letter page's filters and bulk actions.
func browseDeadLetters(t *testing.T, url string, b jobs.Backend, run func(*testing.T, ...chromedp.Action)) {
	var text string
	var ids []string
	state := func(t *testing.T, id string) jobs.State {
		t.Helper()
		j, err := b.Job(t.Context(), id)
		if errors.Is(err, jobs.ErrJobNotFound) {
			return "gone"
		}
		if err != nil {
			t.Fatal(err)
		}
		return j.State
	}
	t.Run("live refresh keeps the selection by job", func(t *testing.T) {
		setInterval := func(ms string) chromedp.Action {
			return chromedp.Evaluate(`(() => { const s = document.getElementById("refresh-interval"); s.value = "`+ms+`"; s.dispatchEvent(new Event("change")); })()`, nil)
		}
		run(t, chromedp.Navigate(url+"dead"), chromedp.WaitVisible("#refresh-interval", chromedp.ByQuery), setInterval("2000"),
			chromedp.Click(`tr[data-job="d-2"] input[type=checkbox]`, chromedp.ByQuery))
		deadLetter(t, b, "d-new") // the newest: a row above d-2
		defer func() {
			if err := b.Delete(t.Context(), "d-new"); err != nil {
				t.Error(err)
			}
		}()
		run(t, chromedp.WaitVisible(`tr[data-job="d-new"]`, chromedp.ByQuery), setInterval("0"),
			chromedp.Evaluate(`Array.from(document.querySelectorAll("#dead input[type=checkbox]:checked"), e => e.value)`, &ids))
		if !slices.Equal(ids, []string{"d-2"}) {
			t.Fatalf("after a refresh added a row, the boxes of %v are checked; want d-2's", ids)
		}
	})

	t.Run("filter by error text", func(t *testing.T) {
		run(t, chromedp.Navigate(url+"dead"), chromedp.WaitVisible("#filter", chromedp.ByQuery),
			chromedp.SendKeys(`#filter input[name="error"]`, "NO DATA", chromedp.ByQuery), chromedp.Submit(`#filter input[name="error"]`, chromedp.ByQuery),
			chromedp.WaitVisible("#scanned", chromedp.ByQuery), rowIDs("#dead", &ids), chromedp.Text("#scanned", &text, chromedp.ByQuery))
		if !slices.Equal(ids, []string{"d-3", "d-1"}) || text != "2 of the 4 newest dead letters match." {
			t.Fatalf("dead letters with error no data: %v, note %q", ids, text)
		}
	})

	t.Run("retry selected", func(t *testing.T) {
		run(t, chromedp.Click(`tr[data-job="d-1"] input[type=checkbox]`, chromedp.ByQuery), chromedp.Click("#retry-selected", chromedp.ByQuery),
			chromedp.WaitVisible("#done", chromedp.ByQuery), chromedp.Text("#done", &text, chromedp.ByQuery), rowIDs("#dead", &ids))
		if text != "Retried 1 dead letter" || !slices.Equal(ids, []string{"d-3"}) {
			t.Fatalf("after retrying d-1: %q, rows %v (the filter kept)", text, ids)
		}
		if s := state(t, "d-1"); s != jobs.StatePending {
			t.Fatalf("d-1 is %s after Retry selected", s)
		}
	})

	t.Run("delete selected asks and deletes", func(t *testing.T) {
		run(t, chromedp.Click(`tr[data-job="d-3"] input[type=checkbox]`, chromedp.ByQuery), chromedp.Click("#delete-selected", chromedp.ByQuery),
			chromedp.WaitVisible("#done", chromedp.ByQuery), chromedp.WaitNotPresent(`tr[data-job="d-3"]`, chromedp.ByQuery),
			chromedp.Text("#done", &text, chromedp.ByQuery))
		if text != "Deleted 1 dead letter" || state(t, "d-3") != "gone" {
			t.Fatalf("after deleting d-3: %q, d-3 %s", text, state(t, "d-3"))
		}
	})

	t.Run("retry all matching a type", func(t *testing.T) {
		run(t, chromedp.Navigate(url+"dead?type=report.mail"), chromedp.WaitVisible("#retry-matching", chromedp.ByQuery),
			rowIDs("#dead", &ids), chromedp.Click("#retry-matching button", chromedp.ByQuery),
			chromedp.WaitVisible("#done", chromedp.ByQuery), chromedp.Text("#done", &text, chromedp.ByQuery))
		if !slices.Equal(ids, []string{"d-2"}) || text != "Retried 1 dead letter" || state(t, "d-2") != jobs.StatePending {
			t.Fatalf("report.mail dead letters %v; after Retry all matching %q, d-2 %s", ids, text, state(t, "d-2"))
		}
	})

	t.Run("open a dead letter and retry it", func(t *testing.T) {
		run(t, chromedp.Navigate(url+"dead"), chromedp.WaitVisible(`tr[data-job="r-flaky"]`, chromedp.ByQuery), rowIDs("#dead", &ids))
		if !slices.Equal(ids, []string{"r-flaky"}) {
			t.Fatalf("dead letters %v, want r-flaky alone", ids)
		}
		run(t, chromedp.Click(`tr[data-job="r-flaky"] a`, chromedp.ByQuery), chromedp.WaitVisible("#retry", chromedp.ByQuery),
			chromedp.Click("#retry", chromedp.ByQuery), chromedp.WaitVisible("#cancel", chromedp.ByQuery),
			chromedp.Text("#state", &text, chromedp.ByQuery))
		if text != "pending" {
			t.Fatalf("r-flaky after Retry shows %q", text)
		}
		run(t, chromedp.Navigate(url+"dead"), chromedp.WaitVisible("#dead", chromedp.ByQuery), rowIDs("#dead", &ids))
		if len(ids) != 0 || state(t, "r-flaky") != jobs.StatePending {
			t.Fatalf("dead letters after the retry: %v; r-flaky %s", ids, state(t, "r-flaky"))
		}
	})
}

// deadLetter stores a new dead letter id of type report.mail in queue
// reports, which must have no pending job.
func deadLetter(t *testing.T, b jobs.Backend, id string) {
	t.Helper()
	o := jobs.ResolveEnqueueOptions(jobs.WithJobID(id), jobs.WithQueue("reports"), jobs.WithMaxRetries(0))
	j, err := jobs.NewJob("report.mail", []byte(`{}`), o, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Enqueue(t.Context(), j); err != nil {
		t.Fatal(err)
	}
	got, err := b.Dequeue(t.Context(), "reports", 1, time.Minute)
	if err != nil || len(got) != 1 || got[0].ID != id {
		t.Fatalf("Dequeue(reports) = %v, %v; want %s", got, err, id)
	}
	failed, err := got[0].Fail(jobs.JobError{Type: "error", Message: "late"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Ack(t.Context(), failed); err != nil {
		t.Fatal(err)
	}
}
