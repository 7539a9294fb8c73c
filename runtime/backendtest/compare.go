package backendtest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/jobsgo/jobs"
)

// expectJob checks that got equals want field by field. Times compare with
// Equal, and empty and nil maps and byte slices are alike.
func (s *suite) expectJob(what string, got, want jobs.Job) {
	s.t.Helper()
	if diff := diffJobs(got, want); len(diff) > 0 {
		s.t.Fatalf("%s differs from what was expected:\n%s", what, diff)
	}
}

// diffJobs describes the fields in which a and b differ, or returns "".
func diffJobs(a, b jobs.Job) string {
	va, vb := reflect.ValueOf(normalize(a)), reflect.ValueOf(normalize(b))
	var out string
	for i := range va.NumField() {
		fa, fb := va.Field(i).Interface(), vb.Field(i).Interface()
		if !reflect.DeepEqual(fa, fb) {
			out += fmt.Sprintf("\t%s: got %s, want %s\n", va.Type().Field(i).Name, show(fa), show(fb))
		}
	}
	return out
}

// normalize makes equal jobs deeply equal.
func normalize(j jobs.Job) jobs.Job {
	for _, t := range []*time.Time{&j.ExecuteAt, &j.CreatedAt, &j.StartedAt, &j.FinishedAt, &j.LeaseUntil} {
		*t = t.UTC().Round(0)
	}
	if len(j.Args) == 0 {
		j.Args = nil
	}
	if len(j.Result) == 0 {
		j.Result = nil
	}
	if len(j.Metadata) == 0 {
		j.Metadata = nil
	}
	return j
}

// show formats a field value for a failure message.
func show(v any) string {
	switch v := v.(type) {
	case json.RawMessage:
		return fmt.Sprintf("%q", v)
	case interface{ Format(string) string }:
		return v.Format(time.RFC3339Nano)
	default:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
			return fmt.Sprintf("&%+v", rv.Elem().Interface())
		}
		return fmt.Sprintf("%+v", v)
	}
}
