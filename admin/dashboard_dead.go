package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/jobsgo/jobs"
)

// deadScanLimit is how many of the newest dead letters the dead-letter
// page examines when it filters by error text.
const deadScanLimit = 2000

// maxSelected bounds how many dead letters one bulk action names.
const maxSelected = 1000

// deadView is what the dead-letter page shows besides its rows.
type deadView struct {
	Error string // the error-text filter
	// With an error filter: Scanned is how many of the newest dead letters
	// were examined, Capped whether that stopped at deadScanLimit, Total
	// all dead letters and Matched how many of those scanned matched.
	Scanned, Matched int
	Capped           bool
	Total            int64
	// Done reports the bulk action just taken ("Retried 3 dead letters"),
	// from the redirect's query.
	Done string
}

// Query is the page's filter as a query string, "" without one.
func (v *deadView) Query(f Filter) string {
	q := url.Values{}
	for k, s := range map[string]string{"queue": f.Queue, "type": f.Type, "error": v.Error} {
		if s != "" {
			q.Set(k, s)
		}
	}
	return q.Encode()
}

// errorMatches reports whether j's error message or type contains text,
// ignoring case.
func errorMatches(j jobs.Job, text string) bool {
	if j.Error == nil {
		return false
	}
	text = strings.ToLower(text)
	return strings.Contains(strings.ToLower(j.Error.Message), text) || strings.Contains(strings.ToLower(j.Error.Type), text)
}

// deadFilter reads the queue, type and error filters of a dead-letter
// page request or form.
func deadFilter(queue, jobType, errText string) (jobs.DeadLetterQuery, string, error) {
	q, err := filter(strings.TrimSpace(queue), strings.TrimSpace(jobType))
	return q, strings.TrimSpace(errText), err
}

// matchingDead returns the dead letters q and the error text select, the
// newest first: all of them without error text (up to q.Limit), else
// those among the deadScanLimit newest whose error matches, with how
// many were scanned.
func (h *Handler) matchingDead(ctx context.Context, q jobs.DeadLetterQuery, errText string) (batch []jobs.Job, scanned int, err error) {
	if errText == "" {
		batch, err = h.backend.DeadLetters(ctx, q)
		return batch, 0, err
	}
	q.Limit = deadScanLimit
	all, err := h.backend.DeadLetters(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	for _, j := range all {
		if errorMatches(j, errText) {
			batch = append(batch, j)
		}
	}
	return batch, len(all), nil
}

// deadPage fills data for the dead-letter page of request r.
func (h *Handler) deadPage(r *http.Request, data *page) error {
	in := r.URL.Query()
	q, errText, err := deadFilter(in.Get("queue"), in.Get("type"), in.Get("error"))
	if err != nil {
		return err
	}
	data.Filter = Filter{Queue: q.Queue, Type: q.Type}
	v := &deadView{Error: errText}
	data.DeadView = v
	if n, err := strconv.Atoi(in.Get("retried")); err == nil && n >= 0 {
		v.Done = "Retried " + plural(n, "dead letter")
	} else if n, err := strconv.Atoi(in.Get("deleted")); err == nil && n >= 0 {
		v.Done = "Deleted " + plural(n, "dead letter")
	}
	q.Limit = deadLetterPageSize
	batch, scanned, err := h.matchingDead(r.Context(), q, errText)
	if err != nil {
		return err
	}
	if errText != "" {
		v.Scanned, v.Matched, v.Capped = scanned, len(batch), scanned == deadScanLimit
		if v.Capped {
			s, err := h.backend.Stats(r.Context())
			if err != nil {
				return err
			}
			v.Total = s.DeadLetters
		}
		batch = batch[:min(len(batch), deadLetterPageSize)]
	}
	data.Dead = JobsOf(batch)
	return nil
}

// plural is "1 thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// performBulk runs a bulk dead-letter form: "bulk" retries or deletes the
// selected dead letters (form values id, action retry or delete),
// "retry-matching" retries every dead letter its queue, type and error
// filters select. It returns the dead-letter page to go back to.
func (h *Handler) performBulk(r *http.Request, action string) (string, error) {
	ctx := r.Context()
	q, errText, err := deadFilter(r.PostFormValue("queue"), r.PostFormValue("type"), r.PostFormValue("error"))
	if err != nil {
		return "", err
	}
	back := (&deadView{Error: errText}).Query(Filter{Queue: q.Queue, Type: q.Type})
	if back != "" {
		back += "&"
	}
	var n int
	verb := "retried"
	if action == "retry-matching" {
		n, err = h.retryMatching(ctx, q, errText)
	} else {
		if r.PostFormValue("action") == "delete" {
			verb = "deleted"
		} else if r.PostFormValue("action") != "retry" {
			return "", badRequest("Unknown bulk action %q", r.PostFormValue("action"))
		}
		ids := r.PostForm["id"]
		if err := validSelection(ids); err != nil {
			return "", err
		}
		n, err = h.bulkSelected(ctx, ids, verb == "deleted")
	}
	if err != nil {
		return "", err
	}
	return "dead?" + back + verb + "=" + strconv.Itoa(n), nil
}

// bulkSelected retries (or deletes) the dead letters ids and reports how
// many it changed; one that is no longer a dead letter (retried or
// deleted meanwhile) is passed over.
func (h *Handler) bulkSelected(ctx context.Context, ids []string, del bool) (int, error) {
	n := 0
	for _, id := range ids {
		var err error
		if del {
			err = h.deleteDeadLetter(ctx, id)
		} else {
			_, err = h.backend.RetryDeadLetter(ctx, id)
		}
		var ae *apiError
		switch {
		case err == nil:
			n++
		case errors.Is(err, jobs.ErrJobNotFound), errors.Is(err, jobs.ErrInvalidTransition),
			errors.As(err, &ae) && ae.status == http.StatusConflict:
		default:
			return n, err
		}
	}
	return n, nil
}

// validSelection checks the IDs a bulk form selected.
func validSelection(ids []string) error {
	if len(ids) == 0 {
		return badRequest("Select at least one dead letter")
	}
	if len(ids) > maxSelected {
		return badRequest("At most %d dead letters at once", maxSelected)
	}
	for _, id := range ids {
		if err := jobs.ValidateJobID(id); err != nil {
			return badRequest("Invalid job ID: %v", err)
		}
	}
	return nil
}

// retryMatching retries the dead letters q and errText select: all of
// them in the backend without error text, else the matches among the
// deadScanLimit newest.
func (h *Handler) retryMatching(ctx context.Context, q jobs.DeadLetterQuery, errText string) (int, error) {
	if errText == "" {
		return h.backend.RetryDeadLetters(ctx, q)
	}
	batch, _, err := h.matchingDead(ctx, q, errText)
	if err != nil {
		return 0, err
	}
	ids := make([]string, len(batch))
	for i, j := range batch {
		ids[i] = j.ID
	}
	return h.bulkSelected(ctx, ids, false)
}
