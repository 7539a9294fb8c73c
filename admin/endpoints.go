package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/jobsgo/jobs"
)

// Limits of the limit query parameter.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

// maxBody bounds request bodies; the API's bodies are tiny filters.
const maxBody = 64 << 10

// Message is the response of an action on one job or queue.
type Message struct {
	Message string `json:"message"`
	Job     *Job   `json:"job,omitempty"`
	Queue   string `json:"queue,omitempty"`
	ID      string `json:"id,omitempty"`
}

// CountMessage is the response of a bulk action.
type CountMessage struct {
	Message string `json:"message"`
	Count   int    `json:"count"`
}

// JobList is the response of the dead-letter and history endpoints.
type JobList struct {
	Jobs []Job `json:"jobs"`
}

// JobPage is the response of GET /api/admin/queues/{queue}/jobs.
type JobPage struct {
	Queue      string     `json:"queue"`
	State      jobs.State `json:"state"`
	Jobs       []Job      `json:"jobs"`
	NextCursor string     `json:"next_cursor"`
}

// Filter is the optional body of the bulk dead-letter endpoints.
type Filter struct {
	Queue string `json:"queue,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ErrorResponse is the body of every error response.
type ErrorResponse struct {
	Error string `json:"error"`
}

// endpoint serves one route: it returns the status and body to send, or an
// error that apiError or errStatus turns into one.
type endpoint func(r *http.Request) (int, any, error)

// apiError is a client error with the status and message to answer.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func (h *Handler) routes() {
	for pattern, e := range map[string]endpoint{
		"GET /api/admin/jobs/stats":             h.stats,
		"GET /api/admin/jobs/failed":            h.failed,
		"POST /api/admin/jobs/failed/retry":     deadLetterAction("Dead-letter jobs queued for retry", h.backend.RetryDeadLetters),
		"POST /api/admin/jobs/failed/purge":     deadLetterAction("Dead-letter jobs purged", h.backend.PurgeDeadLetters),
		"GET /api/admin/jobs/history/{type}":    h.history,
		"GET /api/admin/jobs/{id}":              h.job,
		"POST /api/admin/jobs/{id}/retry":       jobAction("Job queued for retry", h.backend.RetryDeadLetter),
		"POST /api/admin/jobs/{id}/cancel":      jobAction("Job cancelled", h.backend.Cancel),
		"DELETE /api/admin/jobs/{id}":           h.delete,
		"GET /api/admin/queues":                 h.queues,
		"GET /api/admin/queues/{queue}/jobs":    h.queueJobs,
		"POST /api/admin/queues/{queue}/pause":  queueAction("Queue paused", h.backend.PauseQueue),
		"POST /api/admin/queues/{queue}/resume": queueAction("Queue resumed", h.backend.ResumeQueue),
		"POST /api/admin/queues/{queue}/repair": h.repair,
	} {
		h.mux.Handle(pattern, h.serve(e))
	}
	h.throughputRoutes()
}

// serve adapts an endpoint to an http.Handler.
func (h *Handler) serve(e endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body, err := e(r)
		if err != nil {
			status, msg := h.errStatus(r, err)
			writeError(w, status, msg)
			return
		}
		writeJSON(w, status, body)
	})
}

// errStatus maps an error to a status and message; server errors are
// logged and answered without details.
func (h *Handler) errStatus(r *http.Request, err error) (int, string) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.msg
	case errors.Is(err, jobs.ErrJobNotFound):
		return http.StatusNotFound, "Job not found"
	case errors.Is(err, jobs.ErrInvalidTransition):
		return http.StatusConflict, err.Error()
	case errors.Is(err, jobs.ErrInvalidCursor):
		return http.StatusBadRequest, "Invalid cursor"
	case errors.Is(err, jobs.ErrInvalidJob):
		return http.StatusBadRequest, err.Error()
	}
	h.cfg.log.Error("jobs admin: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return http.StatusInternalServerError, "Internal server error"
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"Internal server error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, ErrorResponse{Error: msg})
}

// limit parses the limit query parameter: DefaultLimit when absent, else
// 1 to MaxLimit.
func limit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, badRequest("limit must be an integer from 1 to %d, not %q", MaxLimit, s)
	}
	return n, nil
}

// jobID is the {id} path value, validated.
func jobID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if err := jobs.ValidateJobID(id); err != nil {
		return "", badRequest("Invalid job ID: %v", err)
	}
	return id, nil
}

// queueName is the {queue} path value, validated.
func queueName(r *http.Request) (string, error) {
	q := r.PathValue("queue")
	if err := jobs.ValidateQueueName(q); err != nil {
		return "", badRequest("Invalid queue name: %v", err)
	}
	return q, nil
}

// filter validates the queue and type filters of a dead-letter query.
func filter(queue, jobType string) (jobs.DeadLetterQuery, error) {
	if queue != "" {
		if err := jobs.ValidateQueueName(queue); err != nil {
			return jobs.DeadLetterQuery{}, badRequest("Invalid queue name: %v", err)
		}
	}
	if jobType != "" {
		if err := jobs.ValidateJobType(jobType); err != nil {
			return jobs.DeadLetterQuery{}, badRequest("Invalid job type: %v", err)
		}
	}
	return jobs.DeadLetterQuery{Queue: queue, Type: jobType}, nil
}

// bodyFilter reads the optional Filter body of a bulk endpoint.
func bodyFilter(r *http.Request) (jobs.DeadLetterQuery, error) {
	var f Filter
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return jobs.DeadLetterQuery{}, badRequest("Invalid body: want {\"queue\": \"...\", \"type\": \"...\"}: %v", err)
	}
	return filter(f.Queue, f.Type)
}

func (h *Handler) stats(r *http.Request) (int, any, error) {
	s, err := h.backend.Stats(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, StatsOf(s), nil
}

func (h *Handler) queues(r *http.Request) (int, any, error) {
	s, err := h.backend.Stats(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, StatsOf(s).Queues, nil
}

func (h *Handler) failed(r *http.Request) (int, any, error) {
	n, err := limit(r)
	if err != nil {
		return 0, nil, err
	}
	q, err := filter(r.URL.Query().Get("queue"), r.URL.Query().Get("type"))
	if err != nil {
		return 0, nil, err
	}
	q.Limit = n
	batch, err := h.backend.DeadLetters(r.Context(), q)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, JobList{Jobs: JobsOf(batch)}, nil
}

func (h *Handler) history(r *http.Request) (int, any, error) {
	jobType := r.PathValue("type")
	if err := jobs.ValidateJobType(jobType); err != nil {
		return 0, nil, badRequest("Invalid job type: %v", err)
	}
	n, err := limit(r)
	if err != nil {
		return 0, nil, err
	}
	batch, err := h.backend.History(r.Context(), jobType, n)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, JobList{Jobs: JobsOf(batch)}, nil
}

func (h *Handler) job(r *http.Request) (int, any, error) {
	id, err := jobID(r)
	if err != nil {
		return 0, nil, err
	}
	j, err := h.backend.Job(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, JobOf(j, true), nil
}

// jobAction is a POST on the job the path names: act changes it, and the
// answer says what was done, with the job as act returned it.
func jobAction(message string, act func(context.Context, string) (jobs.Job, error)) endpoint {
	return func(r *http.Request) (int, any, error) {
		id, err := jobID(r)
		if err != nil {
			return 0, nil, err
		}
		j, err := act(r.Context(), id)
		if err != nil {
			return 0, nil, err
		}
		dto := JobOf(j, false)
		return http.StatusOK, Message{Message: message, Job: &dto}, nil
	}
}

// delete removes a dead-letter job; jobs in other states answer 409 (a
// job retried between the check and the delete is deleted all the same).
func (h *Handler) delete(r *http.Request) (int, any, error) {
	id, err := jobID(r)
	if err != nil {
		return 0, nil, err
	}
	if err := h.deleteDeadLetter(r.Context(), id); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, Message{Message: "Job deleted", ID: id}, nil
}

// deleteDeadLetter deletes the failed job id, for the API and the
// dashboard alike; jobs in other states fail with a 409 apiError.
func (h *Handler) deleteDeadLetter(ctx context.Context, id string) error {
	j, err := h.backend.Job(ctx, id)
	if err != nil {
		return err
	}
	if j.State != jobs.StateFailed {
		return &apiError{http.StatusConflict, fmt.Sprintf("Job is %s: only failed (dead-letter) jobs can be deleted", j.State)}
	}
	return h.backend.Delete(ctx, id)
}

// deadLetterAction is a POST on the dead letters its body's filter
// selects: act changes them and returns how many it changed.
func deadLetterAction(message string, act func(context.Context, jobs.DeadLetterQuery) (int, error)) endpoint {
	return func(r *http.Request) (int, any, error) {
		q, err := bodyFilter(r)
		if err != nil {
			return 0, nil, err
		}
		n, err := act(r.Context(), q)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, CountMessage{Message: message, Count: n}, nil
	}
}

func (h *Handler) queueJobs(r *http.Request) (int, any, error) {
	queue, err := queueName(r)
	if err != nil {
		return 0, nil, err
	}
	state := jobs.State(r.URL.Query().Get("state"))
	if state == "" {
		state = jobs.StatePending
	}
	if !state.Valid() {
		return 0, nil, badRequest("Invalid state %q: want one of %v", state, jobs.States)
	}
	n, err := limit(r)
	if err != nil {
		return 0, nil, err
	}
	page, err := h.backend.ListJobs(r.Context(), jobs.JobQuery{Queue: queue, State: state, Limit: n, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, JobPage{Queue: queue, State: state, Jobs: JobsOf(page.Jobs), NextCursor: page.NextCursor}, nil
}

// queueAction is a POST on the queue the path names.
func queueAction(message string, act func(context.Context, string) error) endpoint {
	return func(r *http.Request) (int, any, error) {
		queue, err := queueName(r)
		if err != nil {
			return 0, nil, err
		}
		if err := act(r.Context(), queue); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, Message{Message: message, Queue: queue}, nil
	}
}

// repair checks the storage of the queue the path names (a dry run) or,
// with ?fix=1, puts it right, and answers the jobs.RepairReport. A
// backend without jobs.Repairer answers 501.
func (h *Handler) repair(r *http.Request) (int, any, error) {
	queue, err := queueName(r)
	if err != nil {
		return 0, nil, err
	}
	fix := false
	switch v := r.URL.Query().Get("fix"); v {
	case "", "0", "false":
	case "1", "true":
		fix = true
	default:
		return 0, nil, badRequest("fix must be 1 or 0, not %q", v)
	}
	rep, ok := h.backend.(jobs.Repairer)
	if !ok {
		return 0, nil, &apiError{http.StatusNotImplemented, "This backend cannot repair queues"}
	}
	report, err := rep.Repair(r.Context(), queue, fix)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, report, nil
}
