package plural

import "testing"

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "0 retries"},
		{1, "1 retry"},
		{-1, "-1 retry"},
		{2, "2 retries"},
		{11, "11 retries"},
	} {
		if got := Count(tt.n, "retry", "retries"); got != tt.want {
			t.Errorf("Count(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
