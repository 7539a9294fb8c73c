package codec

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// TestDecodeStatic checks that decodeStatic reads field d exactly as
// json.Unmarshal does, on what appendStatic writes and on damaged copies.
func TestDecodeStatic(t *testing.T) {
	inputs := []string{
		`{}`, `{"t":"x"}`, `{"t":"x","a":{"s":"a,}\"]"},"c":-5}`, `{"T":"x"}`, `{"t":"x","t":"y"}`,
		`{"t":"x","a":null}`, `{"t":null}`, `{"mr":01}`, `{"mr":+1}`, `{"mr":-0}`, `{"mr":1.5}`, `{"c":1e3}`,
		`{"to":99999999999999999999}`, `{"t":"x",}`, `{"t":"x" }`, `{"a":[1,2}`, `{"t":"\u00e9"}`, `{"t":"é"}`,
		`{"tn":"a","u":"b","uu":7,"zz":1}`, `[]`, `{"t":"x"}}`, `{"t":"x","a":{"n":1}`, `{"a":"`,
	}
	for _, st := range []Static{
		{Type: "email.send", Args: json.RawMessage(`{"n":1,"s":"x,y"}`), CreatedAt: time.Now().UnixNano()},
		{Type: "t", Args: json.RawMessage(`[1,{"a":"\"]}"}]`), TenantID: "acme", MaxRetries: 3, Timeout: time.Minute,
			UniqueKey: "k", UniqueTill: 42, CreatedAt: -6795364578871345152},
		{Type: "t", Metadata: map[string]string{"a": "b"}, Retry: &jobs.RetryPolicy{Backoff: "fixed"}},
	} {
		b, err := appendStatic(nil, &st)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(b))
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, in := range inputs[len(inputs)-3:] {
		for range 2000 {
			b := []byte(in)
			switch rnd.IntN(3) {
			case 0:
				const chars = "{}[]\",:\\ 0-9a"
				b[rnd.IntN(len(b))] = chars[rnd.IntN(len(chars))]
			case 1:
				b = b[:rnd.IntN(len(b))]
			case 2:
				i := rnd.IntN(len(b))
				b = append(b[:i], b[i+1:]...)
			}
			inputs = append(inputs, string(b))
		}
	}
	for _, in := range inputs {
		var want, got Static
		wantErr := json.Unmarshal([]byte(in), &want)
		err := decodeStatic(in, &got)
		if (err == nil) != (wantErr == nil) || (err == nil && !reflect.DeepEqual(got, want)) {
			t.Fatalf("decodeStatic(%q) = %+v, %v\nwant %+v, %v", in, got, err, want, wantErr)
		}
	}
}
