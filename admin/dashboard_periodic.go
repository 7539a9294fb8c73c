package admin

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/jobsgo/jobs"
)

// historyPageSize is how many finished jobs of a type the history page
// lists (the backends keep about this many per type and queue).
const historyPageSize = 100

// scheduleOverdue is how long after its next run a schedule's tick may
// stay unclaimed before the periodic page flags it: then no process runs
// the schedule.
const scheduleOverdue = time.Minute

// scheduleView is one periodic schedule on the periodic page.
type scheduleView struct {
	jobs.ScheduleInfo
	// LastRunAt and NextRunAt are LastRun and NextRun in the schedule's
	// time zone, as text; empty when unknown.
	LastRunAt, NextRunAt string
	// NextIn is how long until the next run, rounded to the second; zero
	// or negative when it is due.
	NextIn time.Duration
	// Overdue is set when the next run is over scheduleOverdue late.
	Overdue bool
	// LastState is the last job's state now, or "" when the backend no
	// longer keeps it.
	LastState jobs.State
}

// historyView is the history page of one job type.
type historyView struct {
	Type              string
	Jobs              []Job
	Completed, Failed int
	MeanMS            float64  // mean run time of the listed jobs' last attempts
	Types             []string // known job types, for the picker
	Limit             int
}

// showPeriodic renders the periodic schedules with their last claimed
// tick, next run and last job.
func (h *Handler) showPeriodic(w http.ResponseWriter, r *http.Request) {
	sess, byCookie, ok := h.visitor(w, r, "")
	if !ok {
		return
	}
	data := page{Title: "Periodic schedules", Nav: "periodic", CSRF: sess.csrf, ReadOnly: h.cfg.readOnly,
		LoggedIn: byCookie && h.cfg.tokenHash != nil, Live: true}
	infos, err := h.backend.Schedules(r.Context())
	if err == nil {
		data.Schedules, err = h.scheduleViews(r, infos, time.Now())
	}
	h.renderOrFail(w, r, "periodicpage", data, err)
}

// scheduleViews converts infos at now, with their last jobs' states.
func (h *Handler) scheduleViews(r *http.Request, infos []jobs.ScheduleInfo, now time.Time) ([]scheduleView, error) {
	out := make([]scheduleView, len(infos))
	for i, in := range infos {
		v := scheduleView{ScheduleInfo: in}
		loc, err := time.LoadLocation(in.TimeZone)
		if err != nil {
			loc = time.UTC // an unknown zone name: show UTC, which the text says
		}
		const layout = "2006-01-02 15:04:05 MST"
		if !in.LastRun.IsZero() {
			v.LastRunAt = in.LastRun.In(loc).Format(layout)
		}
		if !in.NextRun.IsZero() {
			v.NextRunAt = in.NextRun.In(loc).Format(layout)
			v.NextIn = in.NextRun.Sub(now).Round(time.Second)
			v.Overdue = v.NextIn < -scheduleOverdue
		}
		if in.LastJobID != "" && jobs.ValidateJobID(in.LastJobID) == nil {
			j, err := h.backend.Job(r.Context(), in.LastJobID)
			switch {
			case err == nil:
				v.LastState = j.State
			case !errors.Is(err, jobs.ErrJobNotFound):
				return nil, err
			}
		}
		out[i] = v
	}
	return out, nil
}

// showHistory renders the most recently finished jobs of the type the
// query names, or, without one, a picker of the job types the backend
// shows elsewhere (schedules, dead letters).
func (h *Handler) showHistory(w http.ResponseWriter, r *http.Request) {
	sess, byCookie, ok := h.visitor(w, r, "")
	if !ok {
		return
	}
	data := page{Title: "History", Nav: "history", CSRF: sess.csrf, ReadOnly: h.cfg.readOnly,
		LoggedIn: byCookie && h.cfg.tokenHash != nil, Live: true}
	jobType := r.URL.Query().Get("type")
	view := &historyView{Type: jobType, Limit: historyPageSize}
	data.History = view
	var err error
	if jobType != "" {
		data.Title = "History of " + jobType
		if err = jobs.ValidateJobType(jobType); err != nil {
			err = badRequest("Invalid job type: %v", err)
		} else {
			var finished []jobs.Job
			if finished, err = h.backend.History(r.Context(), jobType, historyPageSize); err == nil {
				view.fill(finished)
			}
		}
	}
	if err == nil {
		view.Types, err = h.knownTypes(r)
	}
	h.renderOrFail(w, r, "historypage", data, err)
}

// fill sets v's jobs and their figures.
func (v *historyView) fill(finished []jobs.Job) {
	v.Jobs = JobsOf(finished)
	var total float64
	var timed int
	for _, j := range v.Jobs {
		switch j.State {
		case jobs.StateCompleted:
			v.Completed++
		case jobs.StateFailed:
			v.Failed++
		}
		if j.DurationMS > 0 {
			total += j.DurationMS
			timed++
		}
	}
	if timed > 0 {
		v.MeanMS = total / float64(timed)
	}
}

// knownTypes are the job types of the periodic schedules and of the
// newest dead letters, sorted, without repeats: a starting point for the
// history picker, which takes any type.
func (h *Handler) knownTypes(r *http.Request) ([]string, error) {
	infos, err := h.backend.Schedules(r.Context())
	if err != nil {
		return nil, err
	}
	dead, err := h.backend.DeadLetters(r.Context(), jobs.DeadLetterQuery{Limit: deadLetterPageSize})
	if err != nil {
		return nil, err
	}
	var types []string
	for _, in := range infos {
		types = append(types, in.JobType)
	}
	for _, j := range dead {
		types = append(types, j.Type)
	}
	slices.Sort(types)
	return slices.Compact(types), nil
}
