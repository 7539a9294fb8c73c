package jobs

import (
	"testing"
	"time"
)

func TestNewJobIDIsAnOrderedVersion7UUID(t *testing.T) {
	for _, tt := range []struct {
		name string
		now  time.Time
	}{
		{"now", time.Now()},
		{"epoch", time.Unix(0, 0)},
		{"same instant repeated", time.Date(2026, 12, 2, 12, 0, 0, 999_999, time.UTC)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			prev := ""
			for range 1000 {
				id, err := newJobID(tt.now)
				if err != nil {
					t.Fatal(err)
				}
				if !GeneratedIDForm(id) {
					t.Fatalf("%s is not a canonical version-7 UUID", id)
				}
				if id <= prev {
					t.Fatalf("%s does not sort after %s", id, prev)
				}
				prev = id
			}
		})
	}
}

func TestGeneratedIDTime(t *testing.T) {
	at := time.Now().Add(time.Hour).Truncate(time.Millisecond).Add(123_456) // ahead of every earlier ID of the test
	id, err := newJobID(at)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		id     string
		want   time.Time
		wantOK bool
	}{
		// 123,456 ns is fraction 505 (505.68/4096 ms), which reads back as 123,291 ns.
		{id, at.Truncate(time.Millisecond).Add(123_291), true},
		{"0190d2b1-7c4f-7000-8000-000000000000", time.UnixMilli(0x0190d2b17c4f).UTC(), true},
		{"0190d2b1-7c4f-7fff-8000-000000000000", time.UnixMilli(0x0190d2b17c4f).Add(4095 * time.Millisecond / 4096).UTC(), true},
		{"0190d2b1-7c4f-4000-8000-000000000000", time.Time{}, false}, // version 4
		{"my-job-1", time.Time{}, false},
	} {
		got, ok := GeneratedIDTime(tt.id)
		if ok != tt.wantOK || !got.Equal(tt.want) {
			t.Errorf("GeneratedIDTime(%q) = %v, %v; want %v, %v", tt.id, got, ok, tt.want, tt.wantOK)
		}
	}
}
