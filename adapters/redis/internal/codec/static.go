package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jobsgo/jobs"
)

// EncodeStatic returns field d of a new job.
func EncodeStatic(j jobs.Job) (string, error) {
	b, err := StaticBytes(&j)
	return string(b), err
}

// StaticBytes is EncodeStatic's JSON as bytes, for a caller that hands
// them to go-redis as they are (sparing the copy into a string).
func StaticBytes(j *jobs.Job) ([]byte, error) {
	st := Static{
		Type: j.Type, Args: j.Args, Metadata: j.Metadata, TenantID: j.TenantID,
		MaxRetries: j.MaxRetries, Retry: j.Retry, Timeout: j.Timeout, CreatedAt: j.CreatedAt.UnixNano(),
		UniqueKey: j.UniqueKey,
	}
	if !j.UniqueUntil.IsZero() {
		st.UniqueTill = j.UniqueUntil.UnixNano()
	}
	b, err := appendStatic(make([]byte, 0, 64+len(j.Type)+len(j.Args)), &st)
	if err != nil {
		return nil, fmt.Errorf("%w: encode job %s: %v", jobs.ErrInvalidJob, j.ID, err)
	}
	return b, nil
}

// appendStatic appends st as encoding/json encodes it (same fields, order,
// omissions and escaping) without reflection: Enqueue encodes one per job.
func appendStatic(buf []byte, st *Static) ([]byte, error) {
	buf = append(buf, `{"t":`...)
	buf = appendString(buf, st.Type)
	if len(st.Args) > 0 {
		buf = append(buf, `,"a":`...)
		var err error
		if buf, err = appendCompact(buf, st.Args); err != nil {
			return nil, err
		}
	}
	if len(st.Metadata) > 0 {
		m, err := json.Marshal(st.Metadata)
		if err != nil {
			return nil, err
		}
		buf = append(append(buf, `,"m":`...), m...)
	}
	if st.TenantID != "" {
		buf = appendString(append(buf, `,"tn":`...), st.TenantID)
	}
	if st.MaxRetries != 0 {
		buf = strconv.AppendInt(append(buf, `,"mr":`...), int64(st.MaxRetries), 10)
	}
	if st.Retry != nil {
		r, err := json.Marshal(st.Retry)
		if err != nil {
			return nil, err
		}
		buf = append(append(buf, `,"rp":`...), r...)
	}
	if st.Timeout != 0 {
		buf = strconv.AppendInt(append(buf, `,"to":`...), int64(st.Timeout), 10)
	}
	if st.CreatedAt != 0 {
		buf = strconv.AppendInt(append(buf, `,"c":`...), st.CreatedAt, 10)
	}
	if st.UniqueKey != "" {
		buf = appendString(append(buf, `,"u":`...), st.UniqueKey)
	}
	if st.UniqueTill != 0 {
		buf = strconv.AppendInt(append(buf, `,"uu":`...), st.UniqueTill, 10)
	}
	return append(buf, '}'), nil
}

// appendString appends s as a JSON string the way encoding/json does:
// plain printable ASCII is copied, anything else goes through json.Marshal
// (its HTML and Unicode escaping).
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(buf, q...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// appendCompact appends the JSON value raw without insignificant space, as
// encoding/json encodes a json.RawMessage; invalid JSON is an error.
func appendCompact(buf []byte, raw []byte) ([]byte, error) {
	if bytes.ContainsAny(raw, "<>&\u2028\u2029") {
		m, err := json.Marshal(json.RawMessage(raw)) // escapes those
		return append(buf, m...), err
	}
	out := bytes.NewBuffer(buf)
	if err := json.Compact(out, raw); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
