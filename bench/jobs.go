package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	jobsredis "github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/runtime"
)

// jobsBench runs the jobs side: runtime.Client, runtime.NewPool, Redis backend.
type jobsBench struct {
	url    string
	rdb    *goredis.Client // for clearing the keys of earlier phases
	prefix string
	n      int
	prof   *os.File // -cpuprofile: written by the first jobs phase, then nil
}

// measure runs fn, the measured part of a jobs phase, under the CPU
// profiler when one was asked for and not yet written.
func (j *jobsBench) measure(fn func()) {
	if j.prof == nil {
		measureAllocs(fn)
		return
	}
	if err := pprof.StartCPUProfile(j.prof); err != nil {
		log.Fatal(err)
	}
	measureAllocs(fn)
	pprof.StopCPUProfile()
	j.prof = nil
}

// measureAllocs runs fn and, when -memprofile asks for it, writes the
// allocations fn made to that file.
func measureAllocs(fn func()) {
	if *memProf == "" {
		fn()
		return
	}
	goruntime.MemProfileRate = 4096
	fn()
	f, err := os.Create(*memProf)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		log.Fatal(err)
	}
	*memProf = ""
}

func newJobs(url string, rdb *goredis.Client) *jobsBench { return &jobsBench{url: url, rdb: rdb} }

// backend returns a backend on a fresh prefix, after deleting the keys of
// earlier phases (as asynqBench.reset does for asynq).
func (j *jobsBench) backend() *jobsredis.Backend {
	j.cleanup(j.rdb)
	j.n++
	j.prefix = fmt.Sprintf("jb:%s%d", uuid.NewString()[:4], j.n) // about as long as asynq's "asynq"
	b, err := jobsredis.New(jobsredis.WithURL(j.url), jobsredis.WithPrefix(j.prefix), jobsredis.WithPoolSize(4*(*workers)),
		jobsredis.WithCompletedLimit(*keepDone))
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func (j *jobsBench) cleanup(rdb *goredis.Client) { unlinkMatching(rdb, "jb:*") }

// pool starts a pool of *workers on queue "bench" whose no-op handler calls
// onRun.
func (j *jobsBench) pool(b *jobsredis.Backend, onRun func()) (*runtime.Pool, context.CancelFunc) {
	reg := runtime.NewRegistry()
	if err := reg.Register("noop", func(context.Context, jobs.Job) (json.RawMessage, error) {
		onRun()
		return nil, nil
	}); err != nil {
		log.Fatal(err)
	}
	p, err := runtime.NewPool(b, reg, runtime.PoolConfig{
		Queues: map[string]int{"bench": *workers},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.Start(ctx); err != nil {
		log.Fatal(err)
	}
	return p, func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = p.Shutdown(sctx)
		cancel()
	}
}

func (j *jobsBench) requests(n int) []runtime.EnqueueRequest {
	reqs := make([]runtime.EnqueueRequest, n)
	for i := range reqs {
		reqs[i] = runtime.EnqueueRequest{Type: "noop", Args: []byte(`{"n":1}`), Options: []jobs.EnqueueOption{jobs.WithQueue("bench")}}
	}
	return reqs
}

func (j *jobsBench) drain(n int) float64 {
	b := j.backend()
	defer b.Close()
	c := runtime.NewClient(b)
	reqs := j.requests(n)
	for len(reqs) > 0 {
		k := min(len(reqs), 1000)
		if _, err := c.EnqueueBatch(context.Background(), reqs[:k]); err != nil {
			log.Fatal(err)
		}
		reqs = reqs[k:]
	}
	var done atomic.Int64
	finished := make(chan struct{})
	var took time.Duration
	j.measure(func() {
		m, start := startCPU(), time.Now()
		_, stop := j.pool(b, func() {
			if done.Add(1) == int64(n) {
				close(finished)
			}
		})
		<-finished
		took = time.Since(start)
		m.stop("jobs drain", n)
		stop()
	})
	return float64(n) / took.Seconds()
}

// enqueuer returns a single-job Enqueue call on a fresh backend, and what
// closes it (see interleavedEnqueues).
func (j *jobsBench) enqueuer() (call func() error, done func()) {
	b := j.backend()
	c := runtime.NewClient(b)
	return func() error {
		_, err := c.Enqueue(context.Background(), "noop", []byte(`{"n":1}`), jobs.WithQueue("bench"))
		return err
	}, func() { _ = b.Close() }
}

func (j *jobsBench) bulk(n int) float64 {
	b := j.backend()
	defer b.Close()
	c := runtime.NewClient(b)
	batches := (n + 999) / 1000
	var rate float64
	j.measure(func() {
		m := startCPU()
		rate = parallel(batches, fillProducers, func(int) {
			if _, err := c.EnqueueBatch(context.Background(), j.requests(1000)); err != nil {
				log.Fatal(err)
			}
		})
		m.stop("jobs bulk", batches*1000)
	})
	return float64(n) / (float64(batches) / rate)
}

func (j *jobsBench) latency(n int) (float64, float64) {
	b := j.backend()
	defer b.Close()
	c := runtime.NewClient(b)
	ran := make(chan time.Time, 1)
	_, stop := j.pool(b, func() { ran <- time.Now() })
	defer stop()
	time.Sleep(200 * time.Millisecond) // let every worker block
	var ds []time.Duration
	for range n {
		start := time.Now()
		if _, err := c.Enqueue(context.Background(), "noop", nil, jobs.WithQueue("bench")); err != nil {
			log.Fatal(err)
		}
		ds = append(ds, (<-ran).Sub(start))
		time.Sleep(5 * time.Millisecond)
	}
	return percentiles(ds)
}

func (j *jobsBench) memory(rdb *goredis.Client, n int) float64 {
	b := j.backend()
	defer b.Close()
	c := runtime.NewClient(b)
	before := usedMemory(rdb)
	reqs := j.requests(n)
	for len(reqs) > 0 {
		k := min(len(reqs), 1000)
		if _, err := c.EnqueueBatch(context.Background(), reqs[:k]); err != nil {
			log.Fatal(err)
		}
		reqs = reqs[k:]
	}
	used := usedMemory(rdb) - before
	unlinkMatching(rdb, j.prefix+":*")
	return float64(used) / float64(n)
}
