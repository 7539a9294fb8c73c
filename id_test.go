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

func TestNewJobIDCarriesItsMillisecond(t *testing.T) {
	at := time.Now().Add(time.Hour) // ahead of every earlier ID of the test
	id, err := newJobID(at)
	if err != nil {
		t.Fatal(err)
	}
	var ms int64
	for _, c := range id[:8] + id[9:13] {
		ms = ms<<4 | int64(hexValue(c))
	}
	if want := at.UnixMilli(); ms != want {
		t.Fatalf("ID %s holds millisecond %d, want %d", id, ms, want)
	}
}

func hexValue(c rune) int {
	if c >= 'a' {
		return int(c-'a') + 10
	}
	return int(c - '0')
}
