package paging

import (
	"errors"
	"strconv"
	"testing"

	"github.com/jobsgo/jobs"

	"github.com/google/go-cmp/cmp"
)

type testCursor struct {
	ID  string `json:"i"`
	Key int64  `json:"k"`
}

func TestCursorRoundTrip(t *testing.T) {
	want := testCursor{ID: "job-1", Key: 1_700_000_000_123_456_789}
	got, err := DecodeCursor[testCursor](EncodeCursor(want))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("round trip = %+v, want %+v", got, want)
	}
}

func TestDecodeCursorRefusesGarbage(t *testing.T) {
	for _, s := range []string{"", "!!!", "bm90IGpzb24", EncodeCursor(map[string]string{"k": "not a number"})} {
		if _, err := DecodeCursor[testCursor](s); !errors.Is(err, jobs.ErrInvalidCursor) {
			t.Errorf("DecodeCursor(%q) = %v, want ErrInvalidCursor", s, err)
		}
	}
}

func TestPage(t *testing.T) {
	job := func(i int) jobs.Job { return jobs.Job{ID: strconv.Itoa(i)} }
	cursor := func(i int) string { return "after-" + strconv.Itoa(i) }
	tests := []struct {
		name     string
		items    []int
		limit    int
		wantIDs  []string
		wantNext string
	}{
		{"empty", nil, 3, []string{}, ""},
		{"short", []int{1, 2}, 3, []string{"1", "2"}, ""},
		{"exactly full", []int{1, 2, 3}, 3, []string{"1", "2", "3"}, ""},
		{"one more", []int{1, 2, 3, 4}, 3, []string{"1", "2", "3"}, "after-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Page(tt.items, tt.limit, job, cursor)
			ids := []string{}
			for _, j := range p.Jobs {
				ids = append(ids, j.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
			if p.NextCursor != tt.wantNext {
				t.Errorf("NextCursor = %q, want %q", p.NextCursor, tt.wantNext)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	decode := func(s string, q jobs.JobQuery) (testCursor, error) {
		c, err := DecodeCursor[testCursor](s)
		if err == nil && c.ID == "" {
			err = jobs.ErrInvalidCursor
		}
		return c, err
	}
	q, after, err := Open(jobs.JobQuery{Queue: "q", State: jobs.StatePending}, decode)
	if err != nil || after != nil || q.Limit == 0 {
		t.Fatalf("Open without a cursor = %+v, %v, %v; want a normalized query and no cursor", q, after, err)
	}
	want := testCursor{ID: "j", Key: 7}
	_, after, err = Open(jobs.JobQuery{Queue: "q", State: jobs.StatePending, Cursor: EncodeCursor(want)}, decode)
	if err != nil || after == nil || *after != want {
		t.Fatalf("Open with a cursor = %v, %v; want %+v", after, err, want)
	}
	if _, _, err := Open(jobs.JobQuery{Queue: "q", State: jobs.StatePending, Cursor: EncodeCursor(testCursor{})}, decode); !errors.Is(err, jobs.ErrInvalidCursor) {
		t.Fatalf("Open with a cursor decode refuses: %v, want ErrInvalidCursor", err)
	}
	if _, _, err := Open(jobs.JobQuery{Queue: "q", State: "nope"}, decode); err == nil {
		t.Fatal("Open of an invalid query succeeded")
	}
}
