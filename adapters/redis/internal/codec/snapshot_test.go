package codec

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// TestMarshalJob checks that marshalJob encodes exactly as json.Marshal
// and fails where it fails.
func TestMarshalJob(t *testing.T) {
	typ, encoded := reflect.TypeFor[jobs.Job](), 0
	for i := range typ.NumField() {
		if typ.Field(i).Tag.Get("json") != "-" {
			encoded++
		}
	}
	if encoded != 25 {
		t.Fatalf("jobs.Job has %d fields that JSON encodes, marshalJob encodes 25: update it and this test", encoded)
	}
	now := time.Now() // with a monotonic reading
	base, err := jobs.NewJob("email.send", []byte(`{"to": "a@b.c"}`), jobs.EnqueueOptions{}, now)
	if err != nil {
		t.Fatal(err)
	}
	zone := time.FixedZone("X", -(3*3600 + 30*60))
	fresh := base
	fresh.FreshID = true // not encoded
	batch := []jobs.Job{base, {}, fresh}
	j := base
	j.State, j.Attempt, j.StartedAt, j.FinishedAt = jobs.StateCompleted, 2, now.UTC(), now.In(zone)
	j.Refunded, j.Alone = 1, true
	j.Result = json.RawMessage(` [1, "<&>"] `)
	j.Metadata, j.TenantID, j.Timeout = map[string]string{"b": "2", "a": "\u2028"}, "acme", time.Second
	j.Retry = &jobs.RetryPolicy{Backoff: "fixed", InitialDelay: time.Second}
	j.UniqueKey, j.UniqueUntil = "k<1>", now.Add(time.Hour)
	j.Raw = map[string]string{"a": "99999999999999999999999", "d": "{<"}
	batch = append(batch, j)
	j = base
	j.State, j.LeaseUntil, j.ExecuteAt = jobs.StateFailed, now, time.Unix(0, 1).UTC()
	j.Error = &jobs.JobError{Message: "boom \"quoted\"\n", Type: "*errors.errorString", Stacktrace: "goroutine 1\n\tmain.go:1"}
	j.Args = nil
	j.AttemptLog = []jobs.AttemptRecord{{Attempt: 1, StartedAt: now.In(zone), FinishedAt: now, Outcome: jobs.StateRetrying,
		Error: &jobs.JobError{Message: "<first>", Type: "t"}}, {Attempt: 2, FinishedAt: now.UTC(), Outcome: jobs.StateFailed}}
	batch = append(batch, j)
	j.Error = &jobs.JobError{Message: "m", Type: "t"}
	j.ID, j.Type, j.Queue = "ïd\xff", "t\t", "q"
	batch = append(batch, j)
	lmt := base
	lmt.CreatedAt = time.Date(1800, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", 61)) // falls back to json.Marshal
	batch = append(batch, lmt)
	for _, j := range batch {
		want, wantErr := json.Marshal(j)
		got, err := MarshalJob(j)
		if string(got) != string(want) || (err == nil) != (wantErr == nil) {
			t.Errorf("marshalJob:\n got  %s, %v\n want %s, %v", got, err, want, wantErr)
		}
	}
	for _, bad := range []jobs.Job{
		{Priority: 9},
		{Priority: jobs.PriorityHigh, Args: json.RawMessage(`{`)},
		{Priority: jobs.PriorityHigh, CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := MarshalJob(bad); err == nil {
			t.Errorf("marshalJob(%+v): no error", bad)
		}
	}
}
