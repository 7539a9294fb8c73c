package codec

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// TestAppendStatic checks that appendStatic encodes exactly as
// encoding/json does.
func TestAppendStatic(t *testing.T) {
	cases := []Static{
		{},
		{Type: "email.send", Args: json.RawMessage(`{"n":1}`), CreatedAt: time.Now().UnixNano()},
		{Type: "t", Args: json.RawMessage(" {\n \"a\" : [1, 2, {\"b\": null}] }\t"), CreatedAt: -6795364578871345152},
		{Type: "t", Args: json.RawMessage(`"<b>&amp;\u2028"`), Metadata: map[string]string{"z": "1", "a": "<x>"}},
		{Type: "ünï\"cøde\\\n<&>", TenantID: "tenant\x01", UniqueKey: "k\u2028", UniqueTill: 42},
		{Type: "t", MaxRetries: -3, Timeout: time.Minute, Retry: &jobs.RetryPolicy{Backoff: "exponential", Jitter: 0.25}},
		{Type: "t", Args: json.RawMessage("\"\xff\"")},
	}
	for _, st := range cases {
		want, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendStatic(nil, &st)
		if err != nil || string(got) != string(want) {
			t.Errorf("appendStatic(%+v) = %s, %v\nwant %s", st, got, err, want)
		}
	}
	for _, bad := range []string{`{"a":`, `nul`, `{} {}`} {
		st := Static{Type: "t", Args: json.RawMessage(bad)}
		if _, err := appendStatic(nil, &st); err == nil {
			t.Errorf("args %q: no error", bad)
		}
	}
}
