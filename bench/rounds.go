package main

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// row is one line of the result table.
type row struct {
	name         string
	jobs, asynq  float64
	higherBetter bool
	// ratios are those of each run (see -runs), for their range.
	ratios []float64
}

// newRow returns the row of the medians of js and as (one value per run)
// with the range of the runs' ratios.
func newRow(name string, js, as []float64, higherBetter bool) row {
	var ratios []float64
	for i := range min(len(js), len(as)) {
		if js[i] > 0 && as[i] > 0 {
			r := js[i] / as[i]
			if !higherBetter {
				r = as[i] / js[i]
			}
			ratios = append(ratios, r)
		}
	}
	return row{name: name, jobs: median(js), asynq: median(as), higherBetter: higherBetter, ratios: ratios}
}

// rounds runs each of fns *runs times, all of them in each round, in the
// order given in even rounds and in the reverse order in odd ones, and
// returns the results of each fn by round.
func rounds[T any](fns ...func() T) [][]T {
	out := make([][]T, len(fns))
	for r := range max(*runs, 1) {
		for k := range fns {
			i := k
			if r%2 == 1 {
				i = len(fns) - 1 - k
			}
			out[i] = append(out[i], fns[i]())
		}
	}
	return out
}

// rates runs a rate phase of each system *runs times (see rounds) and
// returns the row of their medians.
func rates(name string, jobs, asynq func() float64) row {
	res := rounds(jobs, asynq)
	return newRow(name, res[0], res[1], true)
}

// enqueueRun is what one single-enqueue run measured: the rate in jobs per
// second and the p50 and p99 of the duration of one call, in milliseconds.
type enqueueRun struct{ rate, p50, p99 float64 }

// floorRow is the floor of single enqueue at one producer count and the
// systems' median rates at that count.
type floorRow struct {
	producers         int
	rate, jobs, asynq float64
}

// enqueuePhase names the single-enqueue phase at p producers in the CPU
// tables (and their keys).
func enqueuePhase(p int) string { return "enqueue " + producerName(p) }

func producerName(p int) string {
	if p == 1 {
		return "1 producer"
	}
	return fmt.Sprintf("%d producers", p)
}

// enqueueRows runs single enqueue at p producers for jobs, asynq and the
// floor, *runs times (see interleavedEnqueues), and returns its rows: the
// rate and, when latency is set, the p50 and p99 of one call.
func enqueueRows(p int, latency bool, j *jobsBench, a peer, fl *floor) ([]row, floorRow) {
	res := make([][]enqueueRun, 3)
	for range max(*runs, 1) {
		var runs []enqueueRun
		j.measure(func() {
			runs = interleavedEnqueues(*enqueueN, p, []enqueueSide{{"jobs", j.enqueuer}, {"asynq", a.enqueuer}, {"floor", fl.enqueuer}})
		})
		for i, r := range runs {
			res[i] = append(res[i], r)
		}
	}
	rate := func(r enqueueRun) float64 { return r.rate }
	rows := []row{newRow(fmt.Sprintf("single enqueue, %s (jobs/s)", producerName(p)), pick(res[0], rate), pick(res[1], rate), true)}
	if latency {
		p50 := func(r enqueueRun) float64 { return r.p50 }
		p99 := func(r enqueueRun) float64 { return r.p99 }
		rows = append(rows,
			newRow(fmt.Sprintf("enqueue call p50, %s (ms)", producerName(p)), pick(res[0], p50), pick(res[1], p50), false),
			newRow(fmt.Sprintf("enqueue call p99, %s (ms)", producerName(p)), pick(res[0], p99), pick(res[1], p99), false))
	}
	f := floorRow{producers: p, rate: median(pick(res[2], rate)), jobs: rows[0].jobs, asynq: rows[0].asynq}
	return rows, f
}

// pick returns f of each run, in order.
func pick[T any](runs []T, f func(T) float64) []float64 {
	vs := make([]float64, len(runs))
	for i, r := range runs {
		vs[i] = f(r)
	}
	return vs
}

// median returns the median of vs (the mean of the middle two when their
// number is even), 0 when there are none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// percentiles returns p50 and p99 of ds in milliseconds.
func percentiles(ds []time.Duration) (float64, float64) {
	if len(ds) == 0 {
		return 0, 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))]) / float64(time.Millisecond)
	}
	return at(0.50), at(0.99)
}

// parallel runs fn(i) for i in [0, n) on p goroutines and returns the
// rate per second.
func parallel(n, p int, fn func(i int)) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range p {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				fn(int(i))
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}
