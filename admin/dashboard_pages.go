package admin

import (
	"bytes"
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// jobView is what the job page shows of one job.
type jobView struct {
	Job
	// Args and Result are the job's JSON indented for reading, or as
	// stored when it is not valid JSON.
	Args, Result string
	// The actions the job's state allows.
	CanRetry, CanCancel, CanDelete bool
}

// jobViewOf converts j for the job page, with its stack trace.
func jobViewOf(j jobs.Job) *jobView {
	v := &jobView{
		Job:       JobOf(j, true),
		Args:      indentJSON(j.Args),
		Result:    indentJSON(j.Result),
		CanRetry:  j.State == jobs.StateFailed,
		CanDelete: j.State == jobs.StateFailed,
	}
	switch j.State {
	case jobs.StatePending, jobs.StateScheduled, jobs.StateRetrying, jobs.StateRunning:
		v.CanCancel = true
	}
	return v
}

// indentJSON is raw indented by two spaces, or raw as it is when it is not
// valid JSON; empty stays empty.
func indentJSON(raw json.RawMessage) string {
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return string(raw)
	}
	return unescapeHTML(out.String())
}

// unescapeHTML turns the escapes that encoding/json writes for <, > and &
// (\u003c, \u003e, \u0026) back into the characters, so that stored args
// read as they were written; html/template escapes the page's text anyway.
// An escaped backslash (\\) is copied as it is, so a literal "\u003c" in
// a string stays as it was.
func unescapeHTML(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i : i+min(6, len(s)-i)] {
		case `\u003c`:
			b.WriteByte('<')
		case `\u003e`:
			b.WriteByte('>')
		case `\u0026`:
			b.WriteByte('&')
		default:
			b.WriteString(s[i : i+2]) // any other escape, \\ included, stays
			i++
			continue
		}
		i += 5
	}
	return b.String()
}

// showJob renders the job page of the job whose path-escaped ID is
// escapedID, or a 404 page when there is no such job.
func (h *Handler) showJob(w http.ResponseWriter, r *http.Request, escapedID string) {
	sess, byCookie, ok := h.visitor(w, r, "../")
	if !ok {
		return
	}
	data := page{Title: "Job", CSRF: sess.csrf, ReadOnly: h.cfg.readOnly, LoggedIn: byCookie && h.cfg.tokenHash != nil, Root: "../"}
	id, err := url.PathUnescape(escapedID)
	if err == nil {
		err = jobs.ValidateJobID(id)
	}
	if err != nil {
		err = badRequest("Invalid job ID: %v", err)
	} else {
		var j jobs.Job
		if j, err = h.backend.Job(r.Context(), id); err == nil {
			data.Title = "Job " + j.ID
			data.Job = jobViewOf(j)
		}
	}
	h.renderOrFail(w, r, "jobpage", data, err)
}

// process is one worker process on the workers page: its workers, by ID.
type process struct {
	ID      string
	Queues  []string // the queues its workers serve, sorted
	Workers []workerView
}

// workerView is one worker on the workers page.
type workerView struct {
	Worker
	// HeartbeatAge is how long ago the worker was last reported.
	HeartbeatAge time.Duration
}

// processesOf groups workers by process, both sorted by ID, with their
// heartbeat age at now.
func processesOf(workers []Worker, now time.Time) []process {
	byID := map[string]*process{}
	for _, w := range workers {
		p := byID[w.ProcessID]
		if p == nil {
			p = &process{ID: w.ProcessID}
			byID[w.ProcessID] = p
		}
		if !slices.Contains(p.Queues, w.Queue) {
			p.Queues = append(p.Queues, w.Queue)
		}
		age := max(now.Sub(w.LastHeartbeat), 0).Round(time.Second)
		p.Workers = append(p.Workers, workerView{Worker: w, HeartbeatAge: age})
	}
	out := make([]process, 0, len(byID))
	for _, p := range byID {
		slices.Sort(p.Queues)
		slices.SortFunc(p.Workers, func(a, b workerView) int { return cmp.Compare(a.ID, b.ID) })
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b process) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
