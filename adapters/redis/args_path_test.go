package redis

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/codec"
)

// TestListArgsPending: a pending job's group in enqueue_list.lua's ARGV
// stops before J_SCORE, as the script reads it (per = J_SCORE).
func TestListArgsPending(t *testing.T) {
	now := time.Unix(1700000000, 123456789)
	a := must1(jobs.NewJob("t", []byte(`{}`), jobs.EnqueueOptions{}, now))
	b := must1(jobs.NewJob("t", []byte(`{}`), jobs.EnqueueOptions{}, now))
	v := must1(listArgs{jobs: []jobs.Job{a, b}}.argv())
	g := listLayout.groups[0]
	per := slices.Index(g.fields, "SCORE")
	if want := len(listLayout.fixed) + 2*per; len(v) != want {
		t.Fatalf("argv has %d arguments, want %d: %v", len(v), want, v)
	}
	second := len(listLayout.fixed) + per
	for name, want := range map[string]any{"ID": b.ID, "PRIORITY": "2", "X": codec.Nanos(b.ExecuteAt)} {
		if got := v[second+slices.Index(g.fields, name)]; got != want {
			t.Errorf("job 2: J_%s = %v, want %v", name, got, want)
		}
	}
}

// must1 returns v, panicking on err.
func must1[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestChangeArgs: move's and cycle's builders put each change's fields,
// its job hash pairs (C_N_FIELDS of them) and its unique-key values where
// their layouts name them.
func TestChangeArgs(t *testing.T) {
	now := time.Unix(1700000000, 123456789)
	until := now.Add(time.Minute)
	k := &queueKeys{name: "q", base: "jobs:{q}:"}
	retention := jobs.Retention{HistoryLimit: 3, CompletedLimit: 7, CompletedMaxAge: time.Hour, DeadLetterLimit: 9, DeadLetterMaxAge: 2 * time.Hour}
	done := jobs.Job{ID: "a", Queue: "q", Type: "t", State: jobs.StateCompleted, Priority: jobs.PriorityNormal, Attempt: 1,
		CreatedAt: now, FinishedAt: now, UniqueKey: "k"}
	deleted := jobs.Job{ID: "b", Queue: "q", Type: "t", State: jobs.StatePending, Priority: jobs.PriorityNormal, CreatedAt: now}
	changes := []change{
		{job: done, expect: jobs.StateRunning, attempt: "1", lease: "L", state: jobs.StateCompleted, outcome: "ok", duration: "5",
			fields: codec.FieldFinishedAt | codec.FieldResult},
		{job: deleted, expect: "*", state: stateDeleted},
	}
	ca := changeArgs{retention: retention, channel: "ch", changes: changes, unique: uniqueKeys{"jobs", "jobs:ids"}}
	moved, mops, err := moveArgs{head: head{k, now}, changeArgs: ca}.argv()
	if err != nil {
		t.Fatal(err)
	}
	cycled, cops, err := cycleArgs{head: head{k, now}, take: takeArgs{max: 4, until: until}, changeArgs: ca}.argv()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mops, []string{"free", ""}) || !slices.Equal(cops, mops) {
		t.Fatalf("unique ops %q and %q, want [free \"\"]", mops, cops)
	}
	for _, tt := range []struct {
		name   string
		layout argLayout
		argv   []any
	}{{"move", moveLayout, moved}, {"cycle", cycleLayout, cycled}} {
		t.Run(tt.name, func(t *testing.T) {
			l, v := tt.layout, tt.argv
			arg := func(name string) any { return v[slices.Index(l.fixed, name)] }
			want := map[string]any{"A_DEAD_MAX": 9, "A_DEAD_MIN": micros(now.Add(-2 * time.Hour)), "A_DONE_MAX": 7,
				"A_DONE_MIN": micros(now.Add(-time.Hour)), "A_HIST_MAX": 3, "A_CHANNEL": "ch", "A_N_CHANGES": 2}
			if tt.name == "cycle" {
				want["A_TAKE_MAX"], want["A_UNTIL_US"], want["A_SERVER_CLOCK"] = 4, micros(until), "0"
			}
			for name, w := range want {
				if got := arg(name); fmt.Sprint(got) != fmt.Sprint(w) {
					t.Errorf("ARGV[%s] = %v, want %v", name, got, w)
				}
			}
			c, u := l.groups[0], l.groups[1]
			field := func(o int, g argGroup, name string) any { return v[o+slices.Index(g.fields, name)] }
			o := len(l.fixed) // the first change
			for name, w := range map[string]any{"ID": "a", "EXPECT": "running", "ATTEMPT": "1", "LEASE": "L", "STATE": "completed",
				"FLAGS": "ou", "SCORE": micros(now), "TYPE": "t", "DURATION": "5", "N_FIELDS": 2} {
				if got := field(o, c, name); fmt.Sprint(got) != fmt.Sprint(w) {
					t.Errorf("change 1: C_%s = %v, want %v", name, got, w)
				}
			}
			pairs := 2 * field(o, c, "N_FIELDS").(int)
			if got := v[o+len(c.fields)]; got != "fi" {
				t.Errorf("change 1: the first pair names %v, want fi", got)
			}
			o += len(c.fields) + pairs // its unique-key values
			for name, w := range map[string]any{"KEY": "jobs:u:{jobs:ids}:k", "OP": "free", "HOLDER": holder(done), "PX": ""} {
				if got := field(o, u, name); fmt.Sprint(got) != fmt.Sprint(w) {
					t.Errorf("change 1: U_%s = %v, want %v", name, got, w)
				}
			}
			o += len(u.fields) // the second change
			if got := field(o, c, "ID"); got != "b" {
				t.Errorf("change 2: C_ID = %v, want b", got)
			}
			if got := field(o, c, "FLAGS"); got != "" {
				t.Errorf("change 2: C_FLAGS = %v, want none", got)
			}
			if n := len(v) - (o + len(c.fields) + 2*field(o, c, "N_FIELDS").(int)); n != 0 {
				t.Errorf("%d arguments after the last change", n)
			}
		})
	}
}
