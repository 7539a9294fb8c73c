package faults

import (
	"flag"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

func TestBehaviourRoundTrip(t *testing.T) {
	for _, b := range []Behaviour{
		{},
		{Sleep: 20 * time.Millisecond},
		{Sleep: time.Second, IgnoreContext: true, Hang: true, FailAttempts: 2, ExitCode: 3, TempTable: true},
	} {
		got, err := ParseBehaviour(b.String())
		if err != nil || got != b {
			t.Errorf("ParseBehaviour(%q) = %+v, %v; want %+v", b.String(), got, err, b)
		}
	}
}

func TestParseBehaviourRefuses(t *testing.T) {
	for _, s := range []string{"sleep", "sleep=soon", "fail=-1", "exit=x", "hang=1", "temptable=1", "explode"} {
		if _, err := ParseBehaviour(s); err == nil {
			t.Errorf("ParseBehaviour(%q) accepted it", s)
		}
	}
}

func TestWorkerOptionsRoundTrip(t *testing.T) {
	want := WorkerOptions{
		RedisURL: "redis://127.0.0.1:1/0", Prefix: "p", Ledger: "/tmp/l", Queue: "q", Workers: 3,
		Lease: 2 * time.Second, JobTimeout: time.Minute, ShutdownTimeout: time.Second,
		SchedulerInterval: 200 * time.Millisecond, RetryDelay: 50 * time.Millisecond, ClockOffset: -5 * time.Minute,
		TimeoutGrace: 300 * time.Millisecond, AllowEviction: true, DBConns: 1,
		Schedule:       Schedule{Type: "a", Prefix: "early", Count: 5, In: 3 * time.Second},
		Handlers:       map[string]Behaviour{"a": {Sleep: time.Millisecond}, "b": {ExitCode: 1}},
		Database:       "postgres://u@127.0.0.1:1/db",
		TenantHandlers: map[string]Behaviour{"t": {FailAttempts: 1}},
	}
	var got WorkerOptions
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	got.RegisterFlags(fs)
	if err := fs.Parse(want.Args()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsed %+v; want %+v", got, want)
	}
}

func TestParseScheduleRefuses(t *testing.T) {
	for _, s := range []string{"", "a:b:1", "a:b:0:1s", ":b:1:1s", "a:b:x:1s", "a:b:1:soon"} {
		if _, err := ParseSchedule(s); err == nil {
			t.Errorf("ParseSchedule(%q) accepted it", s)
		}
	}
}

func TestParseLedger(t *testing.T) {
	events := []Event{
		{At: time.Unix(1, 5), Kind: EventStart, JobID: "a", Attempt: 1, PID: 7, OK: true},
		{At: time.Unix(2, 0), Kind: EventAck, JobID: "a", Attempt: 1, PID: 7, State: jobs.StateCompleted},
	}
	text := events[0].String() + "\n" + events[1].String() + "\n" + "3 start b 1" // torn last line
	got, err := ParseLedger([]byte(text))
	if err != nil || len(got) != 2 || !got[0].At.Equal(events[0].At) || got[1].State != jobs.StateCompleted || got[1].OK || !got[0].OK {
		t.Errorf("ParseLedger = %+v, %v; want %+v", got, err, events)
	}
	if _, err := ParseLedger([]byte("1 start a 1 7 - maybe\n")); err == nil || !strings.Contains(err.Error(), "result") {
		t.Errorf("a malformed line: err %v; want one naming the result", err)
	}
}
