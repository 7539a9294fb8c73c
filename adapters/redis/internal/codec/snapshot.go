package codec

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/jobsgo/jobs"
)

// MarshalJob returns the JSON of j exactly as json.Marshal(j) does, without
// reflection: every completed or failed Ack pushes one on its type's
// history (see historySnapshot).
func MarshalJob(j jobs.Job) ([]byte, error) {
	prio, err := j.Priority.MarshalText()
	if err != nil {
		return json.Marshal(j) // for its error
	}
	buf := make([]byte, 0, 384+len(j.Args)+len(j.Result))
	buf = appendString(append(buf, `{"id":`...), j.ID)
	buf = appendString(append(buf, `,"type":`...), j.Type)
	buf = appendString(append(buf, `,"queue":`...), j.Queue)
	buf = appendString(append(buf, `,"priority":`...), string(prio))
	buf = append(buf, `,"args":`...)
	if j.Args == nil {
		buf = append(buf, "null"...)
	} else if buf, err = appendCompact(buf, j.Args); err != nil {
		return json.Marshal(j)
	}
	if len(j.Metadata) > 0 {
		m, err := json.Marshal(j.Metadata)
		if err != nil {
			return nil, err
		}
		buf = append(append(buf, `,"metadata":`...), m...)
	}
	if j.TenantID != "" {
		buf = appendString(append(buf, `,"tenant_id":`...), j.TenantID)
	}
	buf = appendString(append(buf, `,"state":`...), string(j.State))
	buf = strconv.AppendInt(append(buf, `,"attempt":`...), int64(j.Attempt), 10)
	buf = strconv.AppendInt(append(buf, `,"max_retries":`...), int64(j.MaxRetries), 10)
	if j.Refunded != 0 {
		buf = strconv.AppendInt(append(buf, `,"refunded":`...), int64(j.Refunded), 10)
	}
	if j.Alone {
		buf = append(buf, `,"alone":true`...)
	}
	if j.Retry != nil {
		r, err := json.Marshal(j.Retry)
		if err != nil {
			return nil, err
		}
		buf = append(append(buf, `,"retry":`...), r...)
	}
	if j.Timeout != 0 {
		buf = strconv.AppendInt(append(buf, `,"timeout":`...), int64(j.Timeout), 10)
	}
	times := []struct {
		name string
		t    time.Time
		keep bool // encoded even when zero
	}{{"execute_at", j.ExecuteAt, false}, {"created_at", j.CreatedAt, true}, {"started_at", j.StartedAt, false},
		{"finished_at", j.FinishedAt, false}, {"lease_until", j.LeaseUntil, false}}
	for _, t := range times {
		if t.keep || !t.t.IsZero() {
			if buf, err = appendTime(append(append(append(buf, `,"`...), t.name...), `":`...), t.t); err != nil {
				return json.Marshal(j)
			}
		}
	}
	if len(j.Result) > 0 {
		if buf, err = appendCompact(append(buf, `,"result":`...), j.Result); err != nil {
			return json.Marshal(j)
		}
	}
	if e := j.Error; e != nil {
		buf = appendString(append(buf, `,"error":{"message":`...), e.Message)
		buf = appendString(append(buf, `,"type":`...), e.Type)
		if e.Stacktrace != "" {
			buf = appendString(append(buf, `,"stacktrace":`...), e.Stacktrace)
		}
		buf = append(buf, '}')
	}
	if j.UniqueKey != "" {
		buf = appendString(append(buf, `,"unique_key":`...), j.UniqueKey)
	}
	if !j.UniqueUntil.IsZero() {
		if buf, err = appendTime(append(buf, `,"unique_until":`...), j.UniqueUntil); err != nil {
			return json.Marshal(j)
		}
	}
	if len(j.Raw) > 0 {
		r, err := json.Marshal(j.Raw)
		if err != nil {
			return nil, err
		}
		buf = append(append(buf, `,"raw":`...), r...)
	}
	return append(buf, '}'), nil
}

// appendTime appends t as time.Time.MarshalJSON does; years outside
// 0-9999 and zone offsets with seconds are an error (the caller then
// leaves them to json.Marshal).
func appendTime(buf []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, strconv.ErrRange
	}
	if _, off := t.Zone(); off%60 != 0 {
		return nil, strconv.ErrRange
	}
	buf = append(buf, '"')
	buf = t.AppendFormat(buf, time.RFC3339Nano)
	return append(buf, '"'), nil
}
