package admin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/jobsgo/jobs"
)

// queuePageSize is how many jobs a page of the queue page lists.
const queuePageSize = 50

// queueView is what the queue page shows: the jobs of one queue in one
// state, one page at a time.
type queueView struct {
	Name   string
	Paused bool
	State  jobs.State
	Tabs   []stateTab
	// The filters: job type and a substring of the ID, args or error.
	Type, Search string
	Jobs         []queueRow
	// Cursor is the page's own cursor ("" for the first page), Next the
	// following page's ("" when this is the last).
	Cursor, Next string
	// Filtered says that Type or Search is set; Scanned is then how many
	// jobs this page examined, and Total the jobs in the state, -1 when
	// the backend does not count them.
	Filtered bool
	Scanned  int
	Total    int64
}

// queueRow is one job on the queue page.
type queueRow struct {
	Job
	// ArgsText is the args as written: <, > and & as themselves rather
	// than encoding/json's escapes (the page escapes them).
	ArgsText string
}

// stateTab is one state's tab on the queue page.
type stateTab struct {
	State   jobs.State
	Count   int64 // -1: not counted by the backend
	Current bool
}

// URL is the tab's link, keeping the page's filters.
func (v *queueView) URL(state jobs.State, cursor string) string {
	q := url.Values{"name": {v.Name}, "state": {string(state)}}
	if v.Type != "" {
		q.Set("type", v.Type)
	}
	if v.Search != "" {
		q.Set("q", v.Search)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	return "queue?" + q.Encode()
}

// stateCounts are the jobs of each state of qs that Stats counts.
func stateCounts(qs jobs.QueueStats) map[jobs.State]int64 {
	return map[jobs.State]int64{
		jobs.StatePending: qs.Pending, jobs.StateScheduled: qs.Scheduled, jobs.StateRunning: qs.Running,
		jobs.StateRetrying: qs.Retrying, jobs.StateFailed: qs.DeadLetters,
	}
}

// showQueue renders the queue page: ?name= the queue, &state= (pending by
// default), &type= and &q= the filters, &cursor= the page.
func (h *Handler) showQueue(w http.ResponseWriter, r *http.Request) {
	sess, byCookie, ok := h.visitor(w, r, "")
	if !ok {
		return
	}
	data := page{Title: "Queue", Nav: "overview", CSRF: sess.csrf, ReadOnly: h.cfg.readOnly, LoggedIn: byCookie && h.cfg.tokenHash != nil, Live: true}
	v, err := h.queueView(r)
	if v != nil {
		data.Title, data.Queue = "Queue "+v.Name, v
	}
	h.renderOrFail(w, r, "queuepage", data, err)
}

// queueView reads the queue page's request and what it shows.
func (h *Handler) queueView(r *http.Request) (*queueView, error) {
	in := r.URL.Query()
	v := &queueView{Name: in.Get("name"), State: jobs.State(in.Get("state")), Type: strings.TrimSpace(in.Get("type")),
		Search: strings.TrimSpace(in.Get("q")), Cursor: in.Get("cursor"), Total: -1}
	if v.State == "" {
		v.State = jobs.StatePending
	}
	if err := jobs.ValidateQueueName(v.Name); err != nil {
		return nil, badRequest("Invalid queue name: %v", err)
	}
	if !v.State.Valid() {
		return nil, badRequest("Unknown state %q", v.State)
	}
	if v.Type != "" {
		if err := jobs.ValidateJobType(v.Type); err != nil {
			return nil, badRequest("Invalid job type: %v", err)
		}
	}
	ctx := r.Context()
	stats, err := h.backend.Stats(ctx)
	if err != nil {
		return nil, err
	}
	var counts map[jobs.State]int64
	for _, qs := range stats.Queues {
		if qs.Name == v.Name {
			v.Paused, counts = qs.Paused, stateCounts(qs)
		}
	}
	for _, s := range jobs.States {
		n, ok := counts[s]
		if !ok {
			n = -1
		}
		v.Tabs = append(v.Tabs, stateTab{State: s, Count: n, Current: s == v.State})
		if s == v.State {
			v.Total = n
		}
	}
	p, err := h.backend.ListJobs(ctx, jobs.JobQuery{Queue: v.Name, State: v.State, Limit: queuePageSize, Cursor: v.Cursor,
		Type: v.Type, Search: v.Search})
	if err != nil {
		return nil, err
	}
	for _, j := range JobsOf(p.Jobs) {
		v.Jobs = append(v.Jobs, queueRow{Job: j, ArgsText: unescapeHTML(string(j.Args))})
	}
	v.Next = p.NextCursor
	v.Filtered, v.Scanned = v.Type != "" || v.Search != "", p.Scanned
	return v, nil
}

// findJob answers the job-ID search (GET job?id=): it goes to the job's
// page, which says when there is no such job.
func findJob(w http.ResponseWriter, r *http.Request) {
	redirect(w, "job/"+url.PathEscape(strings.TrimSpace(r.URL.Query().Get("id"))))
}
