package jobs

import (
	"encoding/json"
	"testing"
	"time"
)

func TestUniqueKeys(t *testing.T) {
	key := func(jobType, args string, u UniqueOptions) string {
		t.Helper()
		j, err := NewJob(jobType, json.RawMessage(args), EnqueueOptions{Unique: &u}, t0)
		if err != nil {
			t.Fatal(err)
		}
		return j.UniqueKey
	}
	a := key("t", `{"a":1,"b":[1,2]}`, UniqueOptions{})
	if b := key("t", ` { "b":[1, 2], "a":1 }`, UniqueOptions{}); a != b {
		t.Errorf("reordered args give %s and %s", a, b)
	}
	if b := key("t", `{"a":2,"b":[1,2]}`, UniqueOptions{}); a == b {
		t.Error("different args share a key")
	}
	if b := key("u", `{"a":1,"b":[1,2]}`, UniqueOptions{}); a == b {
		t.Error("different types share a key")
	}
	if got := key("t", `{}`, UniqueOptions{Key: "user-42"}); got != "t:key:user-42" {
		t.Errorf("caller key %s", got)
	}
	j, err := NewJob("t", nil, ResolveEnqueueOptions(Unique(time.Hour)), t0)
	if err != nil || !j.UniqueUntil.Equal(t0.Add(time.Hour)) {
		t.Fatalf("unique until %s (err %v), want an hour after creation", j.UniqueUntil, err)
	}
	if _, err := NewJob("t", nil, ResolveEnqueueOptions(Unique(-time.Second)), t0); err == nil {
		t.Fatal("negative unique TTL accepted")
	}
}

func TestHoldsUniqueKey(t *testing.T) {
	tests := []struct {
		name  string
		state State
		until time.Time
		want  bool
	}{
		{"active without TTL", StateRunning, time.Time{}, true},
		{"retrying without TTL", StateRetrying, time.Time{}, true},
		{"finished without TTL", StateCompleted, time.Time{}, false},
		{"failed without TTL", StateFailed, time.Time{}, false},
		{"finished within TTL", StateCompleted, t0.Add(time.Second), true},
		{"active after TTL", StatePending, t0, false},
	}
	for _, tt := range tests {
		j := Job{State: tt.state, UniqueKey: "k", UniqueUntil: tt.until}
		if got := j.HoldsUniqueKey(t0); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if (Job{State: StatePending}).HoldsUniqueKey(t0) {
		t.Error("a job without a key holds one")
	}
}

func TestCanonicalJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"b":1,"a":{"d":null,"c":true}}`, `{"a":{"c":true,"d":null},"b":1}`},
		{`[3, 1, 2]`, `[3,1,2]`},
		{`12345678901234567890`, `12345678901234567890`},
		{` "x" `, `"x"`},
	}
	for _, tt := range tests {
		got, err := CanonicalJSON(json.RawMessage(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %s (err %v), want %s", tt.in, got, err, tt.want)
		}
	}
	if _, err := CanonicalJSON(json.RawMessage(`{`)); err == nil {
		t.Error("invalid JSON accepted")
	}
}
