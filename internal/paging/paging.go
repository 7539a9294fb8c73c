// Package paging holds what the backends' ListJobs share: the opaque
// cursor encoding and the cut of one page from a read of one job more than
// it shows.
package paging

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/jobsgo/jobs"
)

// EncodeCursor returns c as base64url-encoded JSON, which clients treat
// as opaque. c must be a struct of strings and numbers, which always
// encodes.
func EncodeCursor[C any](c C) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses a cursor that EncodeCursor made, or fails with
// jobs.ErrInvalidCursor. The caller checks what it holds.
func DecodeCursor[C any](s string) (C, error) {
	var c C
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		var zero C
		return zero, fmt.Errorf("%w: %q", jobs.ErrInvalidCursor, s)
	}
	return c, nil
}

// Open starts a ListJobs call: it normalizes q and decodes its cursor
// with decode, which checks that the cursor was issued for q's queue and
// state; after is nil when q has no cursor.
func Open[C any](q jobs.JobQuery, decode func(string, jobs.JobQuery) (C, error)) (_ jobs.JobQuery, after *C, _ error) {
	q, err := q.Normalize()
	if err != nil || q.Cursor == "" {
		return q, nil, err
	}
	c, err := decode(q.Cursor, q)
	if err != nil {
		return q, nil, err
	}
	return q, &c, nil
}

// Page makes a page of up to limit of items, which were read up to limit+1
// long: when there is one more, the page's NextCursor is the cursor of its
// last job.
func Page[T any](items []T, limit int, job func(T) jobs.Job, cursor func(T) string) jobs.JobPage {
	page := jobs.JobPage{Jobs: make([]jobs.Job, 0, min(len(items), limit))}
	for _, it := range items[:min(len(items), limit)] {
		page.Jobs = append(page.Jobs, job(it))
	}
	if len(items) > limit && limit > 0 {
		page.NextCursor = cursor(items[limit-1])
	}
	return page
}
