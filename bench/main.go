// Command bench compares the jobs Redis backend with asynq on the same
// Redis server, with the same concurrency and a no-op handler, and prints a
// table with the ratios. Run it from bench/: go run . -redis redis://...
//
// Two more tables give the CPU time per job of each phase, of the Redis
// server (INFO cpu before and after) and of this process, where both
// systems' producers and workers run (getrusage); they vary less than the
// rates when the machine is shared. -only runs one phase; -cpuprofile profiles the first
// jobs phase run (pair it with -only). -runs N repeats each rate phase N
// times, the two systems taking turns, and prints the medians and the
// range of the N ratios: on a shared machine one run's rates vary by a
// tenth or more.
//
// The server must be one you can write to: bench uses a fresh key prefix
// for jobs and deletes asynq's keys ("asynq:*") before each asynq phase.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jobsgo/jobs"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	goredis "github.com/redis/go-redis/v9"

	jobsredis "github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/runtime"
)

var (
	redisURL  = flag.String("redis", envOr("JOBS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (shared by both systems)")
	drainN    = flag.Int("drain", 50_000, "jobs pre-enqueued for the drain test")
	workers   = flag.Int("workers", 50, "concurrent workers (both systems)")
	enqueueN  = flag.Int("enqueue", 20_000, "jobs for the single-enqueue test")
	producers = flag.Int("producers", 8, "concurrent producers for the single-enqueue test")
	bulkN     = flag.Int("bulk", 100_000, "jobs for the bulk-enqueue test (batches of 1000)")
	samples   = flag.Int("latency", 200, "latency samples for jobs")
	asynqSamp = flag.Int("latency-asynq", 20, "latency samples for asynq (it polls once a second)")
	memN      = flag.Int("memory", 100_000, "pending jobs for the memory test")
	only      = flag.String("only", "", "run only the named phase (drain, enqueue, bulk, latency, memory)")
	cpuProf   = flag.String("cpuprofile", "", "write a CPU profile of the jobs phases to this file")
	jobsOnly  = flag.Bool("jobs-only", false, "skip asynq (for profiling jobs alone)")
	memProf   = flag.String("memprofile", "", "write an allocation profile of the first jobs phase to this file")
	warmup    = flag.Int("warmup", 5_000, "jobs each system drains, unmeasured, before the measured phases")
	keepDone  = flag.Int("completed-limit", jobs.DefaultCompletedLimit, "completed jobs jobs keeps per queue (0: none, as asynq by default)")
	runs      = flag.Int("runs", 1, "times each rate phase (drain, enqueue, bulk) runs, the systems taking turns; the table shows medians")
)

// want reports whether the phase runs (see -only).
func want(phase string) bool { return *only == "" || *only == phase }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// row is one line of the result table.
type row struct {
	name         string
	jobs, asynq  float64
	higherBetter bool
	// ratios are those of each run (see -runs), for their range.
	ratios []float64
}

// rates runs a rate phase of each system *runs times, jobs first and then
// asynq in each round, and returns the row of their medians.
func rates(name string, jobs, asynq func() float64) row {
	var js, as, ratios []float64
	for range max(*runs, 1) {
		j, a := jobs(), asynq()
		js, as = append(js, j), append(as, a)
		if j > 0 && a > 0 {
			ratios = append(ratios, j/a)
		}
	}
	return row{name: name, jobs: median(js), asynq: median(as), higherBetter: true, ratios: ratios}
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

func main() {
	flag.Parse()
	log.SetFlags(0)
	opt, err := goredis.ParseURL(*redisURL)
	if err != nil {
		log.Fatal(err)
	}
	rdb := goredis.NewClient(opt)
	server = rdb
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		log.Fatalf("redis %s: %v", *redisURL, err)
	}
	aopt := asynq.RedisClientOpt{Addr: opt.Addr, Password: opt.Password, DB: opt.DB}
	var rows []row

	j := newJobs(*redisURL, rdb)
	var a peer = newAsynq(aopt, rdb)
	if *jobsOnly {
		a = skipped{}
	}
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			log.Fatal(err)
		}
		j.prof = f
		defer f.Close()
	}
	if *warmup > 0 {
		// Both systems load their scripts, dial their pools and grow the
		// Go heap here, not in the first measured phase.
		prof, mem := j.prof, *memProf
		j.prof, *memProf = nil, ""
		j.drain(*warmup)
		a.drain(*warmup)
		j.prof, *memProf = prof, mem
		serverCPU, clientCPU = map[string][]float64{}, map[string][]float64{}
	}
	if want("drain") {
		rows = append(rows, rates("drain (jobs/s)", func() float64 { return j.drain(*drainN) }, func() float64 { return a.drain(*drainN) }))
	}
	if want("enqueue") {
		rows = append(rows, rates("single enqueue (jobs/s)", func() float64 { return j.enqueue(*enqueueN) }, func() float64 { return a.enqueue(*enqueueN) }))
	}
	if want("bulk") {
		rows = append(rows, rates("bulk enqueue (jobs/s)", func() float64 { return j.bulk(*bulkN) }, func() float64 { return 0 }))
	}
	if want("latency") {
		jp50, jp99 := j.latency(*samples)
		ap50, ap99 := a.latency(*asynqSamp)
		rows = append(rows, row{name: "idle latency p50 (ms)", jobs: jp50, asynq: ap50})
		rows = append(rows, row{name: "idle latency p99 (ms)", jobs: jp99, asynq: ap99})
	}
	if want("memory") {
		rows = append(rows, row{name: "memory per pending job (bytes)", jobs: j.memory(rdb, *memN), asynq: a.memory(*memN)})
	}

	fmt.Printf("\n%-32s %14s %14s %20s\n", "", "jobs", "asynq", "ratio")
	for _, r := range rows {
		ratio := "n/a"
		if r.asynq > 0 && r.jobs > 0 {
			x := r.jobs / r.asynq
			if !r.higherBetter {
				x = r.asynq / r.jobs
			}
			ratio = fmt.Sprintf("%.2fx", x)
		}
		if len(r.ratios) > 1 {
			ratio += fmt.Sprintf(" (%.2f-%.2fx)", slices.Min(r.ratios), slices.Max(r.ratios))
		}
		fmt.Printf("%-32s %14s %14s %20s\n", r.name, num(r.jobs), num(r.asynq), ratio)
	}
	fmt.Println("\nratio > 1 means jobs is better (faster, lower latency, less memory).")
	if *runs > 1 {
		fmt.Printf("rates and CPU times are medians of %d runs; in brackets, the lowest and highest ratio of a run.\n", *runs)
	}
	for _, cpu := range []struct {
		title string
		per   map[string][]float64
	}{{"Redis CPU per job (µs)", serverCPU}, {"Go process CPU per job (µs)", clientCPU}} {
		fmt.Printf("\n%-32s %14s %14s\n", cpu.title, "jobs", "asynq")
		for _, phase := range []string{"drain", "enqueue", "bulk"} {
			if v := median(cpu.per["jobs "+phase]); v > 0 {
				fmt.Printf("%-32s %14.1f %14s\n", phase, v, num(median(cpu.per["asynq "+phase])))
			}
		}
	}
	fmt.Printf("workers %d, producers %d, Redis %s\n", *workers, *producers, opt.Addr)
	j.cleanup(rdb)
}

func num(v float64) string {
	switch {
	case v == 0:
		return "n/a"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
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

// server is the client bench reads INFO with.
var server *goredis.Client

// serverCPU and clientCPU are the CPU times per job of the Redis server
// and of this process (where the producers and workers of both systems
// run) in each run of each measured phase, in microseconds, keyed by
// "<system> <phase>".
var serverCPU, clientCPU = map[string][]float64{}, map[string][]float64{}

// cpuMeter measures the CPU time of the Redis server (INFO cpu) and of
// this process (getrusage) over a phase.
type cpuMeter struct{ server, client float64 }

func startCPU() cpuMeter { return cpuMeter{redisCPU(), processCPU()} }

// stop records the CPU times per job since start under key.
func (m cpuMeter) stop(key string, jobs int) {
	serverCPU[key] = append(serverCPU[key], (redisCPU()-m.server)*1e6/float64(jobs))
	clientCPU[key] = append(clientCPU[key], (processCPU()-m.client)*1e6/float64(jobs))
}

// processCPU is this process's user + system CPU time in seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// redisCPU reads used_cpu_user + used_cpu_sys in seconds.
func redisCPU() float64 {
	info := server.Info(context.Background(), "cpu").Val()
	var sum float64
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_user" || k == "used_cpu_sys") {
			f, _ := strconv.ParseFloat(v, 64)
			sum += f
		}
	}
	return sum
}

// usedMemory reads used_memory from INFO memory.
func usedMemory(rdb *goredis.Client) int64 {
	info := rdb.Info(context.Background(), "memory").Val()
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// unlinkMatching deletes the keys matching pattern.
func unlinkMatching(rdb *goredis.Client, pattern string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, pattern, 5000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 5000 {
			rdb.Unlink(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		rdb.Unlink(ctx, keys...)
	}
}

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
	j.prefix = fmt.Sprintf("jobsbench:%s:%d", uuid.NewString()[:8], j.n)
	b, err := jobsredis.New(jobsredis.WithURL(j.url), jobsredis.WithPrefix(j.prefix), jobsredis.WithPoolSize(4*(*workers)),
		jobsredis.WithCompletedLimit(*keepDone))
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func (j *jobsBench) cleanup(rdb *goredis.Client) { unlinkMatching(rdb, "jobsbench:*") }

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

// parallel runs fn(i) for i in [0, n) on *producers goroutines and returns
// the rate per second.
func parallel(n int, fn func(i int)) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *producers {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				fn(int(i))
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

func (j *jobsBench) enqueue(n int) float64 {
	b := j.backend()
	defer b.Close()
	c := runtime.NewClient(b)
	var rate float64
	j.measure(func() {
		m := startCPU()
		rate = parallel(n, func(int) {
			if _, err := c.Enqueue(context.Background(), "noop", []byte(`{"n":1}`), jobs.WithQueue("bench")); err != nil {
				log.Fatal(err)
			}
		})
		m.stop("jobs enqueue", n)
	})
	return rate
}

func (j *jobsBench) bulk(n int) float64 {
	b := j.backend()
	defer b.Close()
	c := runtime.NewClient(b)
	batches := (n + 999) / 1000
	var rate float64
	j.measure(func() {
		m := startCPU()
		rate = parallel(batches, func(int) {
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

// peer is the system jobs is compared with: asynq, or skipped under -jobs-only.
type peer interface {
	drain(n int) float64
	enqueue(n int) float64
	latency(n int) (float64, float64)
	memory(n int) float64
}

// skipped is the peer of -jobs-only: it measures nothing, so ratios read n/a.
type skipped struct{}

func (skipped) drain(int) float64              { return 0 }
func (skipped) enqueue(int) float64            { return 0 }
func (skipped) latency(int) (float64, float64) { return 0, 0 }
func (skipped) memory(int) float64             { return 0 }
