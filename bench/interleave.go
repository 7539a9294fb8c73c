package main

import (
	"fmt"
	"time"
)

// enqueueSlices is how many parts one run of a single-enqueue phase is cut
// into, the systems taking turns at each (see interleavedEnqueues).
const enqueueSlices = 10

// enqueueSide is one system of a single-enqueue phase: enqueuer returns its
// call (nil when the system is skipped) and what ends its session.
type enqueueSide struct {
	name     string
	enqueuer func() (call func() error, done func())
}

// interleavedEnqueues makes n calls of each side's call from p producers,
// in enqueueSlices slices of n/enqueueSlices calls, the sides taking turns
// at each slice (in the opposite order every other slice). A shared
// machine's speed drifts over seconds; cutting the phase in slices gives
// every side the same share of each spell, so that the ratios compare the
// systems rather than the moments they ran at. It returns each side's rate
// (calls over the time spent in its slices), p50 and p99 of a call, and
// records its CPU time per call (key "<side> enqueue <p producers>").
func interleavedEnqueues(n, p int, sides []enqueueSide) []enqueueRun {
	type acc struct {
		call           func() error
		done           func()
		took           time.Duration
		server, client float64
		durations      []time.Duration
	}
	accs := make([]acc, len(sides))
	for i, s := range sides {
		accs[i].call, accs[i].done = s.enqueuer()
	}
	per := max(n/enqueueSlices, 1)
	for slice := range enqueueSlices {
		for k := range sides {
			i := k
			if slice%2 == 1 {
				i = len(sides) - 1 - k
			}
			a := &accs[i]
			if a.call == nil {
				continue
			}
			ds := make([]time.Duration, per)
			m, start := startCPU(), time.Now()
			parallel(per, p, func(c int) {
				t := time.Now()
				if err := a.call(); err != nil {
					panic(fmt.Sprintf("%s enqueue: %v", sides[i].name, err))
				}
				ds[c] = time.Since(t)
			})
			a.took += time.Since(start)
			server, client := m.since()
			a.server, a.client = a.server+server, a.client+client
			a.durations = append(a.durations, ds...)
		}
	}
	out := make([]enqueueRun, len(sides))
	for i, a := range accs {
		if a.call == nil {
			continue
		}
		a.done()
		calls := len(a.durations)
		recordCPU(sides[i].name+" "+enqueuePhase(p), a.server, a.client, calls)
		p50, p99 := percentiles(a.durations)
		out[i] = enqueueRun{rate: float64(calls) / a.took.Seconds(), p50: p50, p99: p99}
	}
	return out
}
