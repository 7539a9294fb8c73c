package jobs

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBaseDelay(t *testing.T) {
	s := time.Second
	tests := []struct {
		name   string
		policy RetryPolicy
		want   []time.Duration // retries 1, 2, 3, ...
	}{
		{"defaults are exponential 1s capped at 60s", RetryPolicy{},
			[]time.Duration{1 * s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 60 * s, 60 * s}},
		{"exponential with a small cap", RetryPolicy{InitialDelay: 100 * time.Millisecond, MaxDelay: 500 * time.Millisecond},
			[]time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond}},
		{"linear", RetryPolicy{Backoff: BackoffLinear, InitialDelay: 3 * s, MaxDelay: 10 * s},
			[]time.Duration{3 * s, 6 * s, 9 * s, 10 * s, 10 * s}},
		{"constant", RetryPolicy{Backoff: BackoffConstant, InitialDelay: 5 * s},
			[]time.Duration{5 * s, 5 * s, 5 * s}},
		{"constant above the cap is capped", RetryPolicy{Backoff: BackoffConstant, InitialDelay: 2 * time.Minute, MaxDelay: time.Minute},
			[]time.Duration{time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, want := range tt.want {
				if got := tt.policy.BaseDelay(i + 1); got != want {
					t.Errorf("retry %d: %s, want %s", i+1, got, want)
				}
			}
		})
	}
}

func TestBaseDelayNeverOverflows(t *testing.T) {
	p := RetryPolicy{InitialDelay: time.Hour, MaxDelay: 24 * time.Hour}
	for _, n := range []int{1, 10, 63, 64, 1000, 1 << 30} {
		if d := p.BaseDelay(n); d <= 0 || d > 24*time.Hour {
			t.Fatalf("retry %d: delay %s out of (0, 24h]", n, d)
		}
	}
	lin := RetryPolicy{Backoff: BackoffLinear, InitialDelay: time.Hour, MaxDelay: 24 * time.Hour}
	if d := lin.BaseDelay(1 << 40); d != 24*time.Hour {
		t.Fatalf("linear retry 2^40: %s, want the cap", d)
	}
}

func TestDelayJitterBounds(t *testing.T) {
	tests := []struct {
		name     string
		policy   RetryPolicy
		retry    int
		low, hi  time.Duration
		exactAtR map[float64]time.Duration
	}{
		{"default jitter is +/-10%", RetryPolicy{}, 3, 3600 * time.Millisecond, 4400 * time.Millisecond,
			map[float64]time.Duration{0: 3600 * time.Millisecond, 0.5: 4 * time.Second}},
		{"jitter never exceeds the cap", RetryPolicy{}, 10, 54 * time.Second, 60 * time.Second,
			map[float64]time.Duration{0: 54 * time.Second, 0.999: 60 * time.Second}},
		{"jitter off", RetryPolicy{Jitter: NoJitter}, 2, 2 * time.Second, 2 * time.Second,
			map[float64]time.Duration{0: 2 * time.Second, 0.9: 2 * time.Second}},
		{"50% jitter", RetryPolicy{Backoff: BackoffConstant, InitialDelay: 10 * time.Second, Jitter: 0.5}, 1, 5 * time.Second, 15 * time.Second,
			map[float64]time.Duration{0: 5 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for r, want := range tt.exactAtR {
				if got := tt.policy.Delay(tt.retry, r); got != want {
					t.Errorf("random %v: %s, want %s", r, got, want)
				}
			}
			rng := rand.New(rand.NewPCG(1, 2))
			seenLow, seenHigh := false, false
			mid := (tt.low + tt.hi) / 2
			for i := 0; i < 2000; i++ {
				d := tt.policy.Delay(tt.retry, rng.Float64())
				if d < tt.low || d > tt.hi {
					t.Fatalf("delay %s outside [%s, %s]", d, tt.low, tt.hi)
				}
				seenLow = seenLow || d < mid
				seenHigh = seenHigh || d > mid
			}
			if tt.low != tt.hi && !(seenLow && seenHigh) {
				t.Fatalf("jitter does not spread delays around %s", mid)
			}
		})
	}
}

func TestRetryPolicyValidate(t *testing.T) {
	tests := []struct {
		policy  RetryPolicy
		wantErr string
	}{
		{RetryPolicy{}, ""},
		{RetryPolicy{Jitter: NoJitter}, ""},
		{RetryPolicy{Backoff: "fibonacci"}, `unknown backoff "fibonacci" (want exponential, linear or constant)`},
		{RetryPolicy{InitialDelay: -1}, "retry initial delay -1ns is negative"},
		{RetryPolicy{MaxDelay: -1}, "retry max delay -1ns is negative"},
		{RetryPolicy{InitialDelay: time.Minute, MaxDelay: time.Second}, "retry max delay 1s is below the initial delay 1m0s"},
		{RetryPolicy{Jitter: 1}, "retry jitter 1 must be in [0, 1) or NoJitter"},
		{RetryPolicy{Jitter: -0.5}, "retry jitter -0.5 must be in [0, 1) or NoJitter"},
	}
	for _, tt := range tests {
		err := tt.policy.Validate()
		if (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
			t.Errorf("%+v: err = %v, want %q", tt.policy, err, tt.wantErr)
		}
	}
}
