package jobs

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff is how the delay grows from one retry to the next.
type Backoff string

// The backoff strategies. With initial delay d, retry n (1 for the first
// retry) waits: exponential d*2^(n-1), linear d*n, constant d.
const (
	BackoffExponential Backoff = "exponential"
	BackoffLinear      Backoff = "linear"
	BackoffConstant    Backoff = "constant"
)

// ParseBackoff parses "exponential", "linear" or "constant".
func ParseBackoff(s string) (Backoff, error) {
	switch b := Backoff(s); b {
	case BackoffExponential, BackoffLinear, BackoffConstant:
		return b, nil
	}
	return "", fmt.Errorf("unknown backoff %q (want exponential, linear or constant)", s)
}

// Retry policy defaults.
const (
	DefaultInitialDelay = time.Second
	DefaultMaxDelay     = 60 * time.Second
	DefaultJitter       = 0.1
	// NoJitter, as RetryPolicy.Jitter, turns jitter off.
	NoJitter = -1.0
)

// RetryPolicy decides how long a failed job waits before its next attempt.
// Zero fields take the defaults: exponential, 1 s initial delay, 60 s cap,
// +/-10% jitter. How many retries a job gets is the job's MaxRetries.
type RetryPolicy struct {
	Backoff      Backoff       `json:"backoff,omitempty"`
	InitialDelay time.Duration `json:"initial_delay,omitempty"`
	MaxDelay     time.Duration `json:"max_delay,omitempty"`
	// Jitter spreads each delay uniformly over +/- this fraction of it
	// (0.1 = +/-10%), so that jobs failing together do not retry together.
	// Zero means DefaultJitter; NoJitter turns it off.
	Jitter float64 `json:"jitter,omitempty"`
}

// WithDefaults fills the zero fields of p with the defaults.
func (p RetryPolicy) WithDefaults() RetryPolicy {
	if p.Backoff == "" {
		p.Backoff = BackoffExponential
	}
	if p.InitialDelay == 0 {
		p.InitialDelay = DefaultInitialDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.Jitter == 0 {
		p.Jitter = DefaultJitter
	}
	return p
}

// Validate reports a policy that cannot produce sensible delays.
func (p RetryPolicy) Validate() error {
	if p.Backoff != "" {
		if _, err := ParseBackoff(string(p.Backoff)); err != nil {
			return err
		}
	}
	if p.InitialDelay < 0 {
		return fmt.Errorf("retry initial delay %s is negative", p.InitialDelay)
	}
	if p.MaxDelay < 0 {
		return fmt.Errorf("retry max delay %s is negative", p.MaxDelay)
	}
	d := p.WithDefaults()
	if d.MaxDelay < d.InitialDelay {
		return fmt.Errorf("retry max delay %s is below the initial delay %s", d.MaxDelay, d.InitialDelay)
	}
	if p.Jitter != NoJitter && (p.Jitter < 0 || p.Jitter >= 1) {
		return fmt.Errorf("retry jitter %v must be in [0, 1) or NoJitter", p.Jitter)
	}
	return nil
}

// BaseDelay is the delay before retry n (1 for the first retry) without
// jitter, capped at MaxDelay.
func (p RetryPolicy) BaseDelay(n int) time.Duration {
	p = p.WithDefaults()
	if n < 1 {
		n = 1
	}
	var d time.Duration
	switch p.Backoff {
	case BackoffConstant:
		d = p.InitialDelay
	case BackoffLinear:
		if n > int(p.MaxDelay/max(p.InitialDelay, 1)) {
			return p.MaxDelay
		}
		d = p.InitialDelay * time.Duration(n)
	default:
		d = p.InitialDelay
		for i := 1; i < n && d < p.MaxDelay; i++ {
			d *= 2
		}
	}
	return min(d, p.MaxDelay)
}

// Delay is the delay before retry n with jitter applied. random is a number
// in [0, 1) (rand.Float64 in production, fixed in tests). The result is
// never negative and never above MaxDelay.
func (p RetryPolicy) Delay(n int, random float64) time.Duration {
	p = p.WithDefaults()
	d := p.BaseDelay(n)
	if p.Jitter > 0 {
		d += time.Duration(float64(d) * p.Jitter * (2*random - 1))
	}
	return max(0, min(d, p.MaxDelay))
}

// NextDelay is Delay with a random jitter.
func (p RetryPolicy) NextDelay(n int) time.Duration {
	return p.Delay(n, rand.Float64())
}
