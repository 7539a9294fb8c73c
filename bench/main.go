// Command bench compares the jobs Redis backend with asynq on the same
// Redis server, with the same concurrency and a no-op handler, and prints a
// table with the ratios. Run it from bench/: go run . -redis redis://...
//
// Single enqueue runs at each producer count of -producers (1,8,32 by
// default), next to its floor: one plain LPUSH per job through go-redis
// at the same concurrency, the least a round trip per job can cost. Each
// system's rate is also shown as a share of that floor, and the latency of
// one Enqueue call (p50, p99) at the lowest producer count.
//
// Two more tables give the CPU time per job of each phase, of the Redis
// server (INFO cpu before and after) and of this process, where both
// systems' producers and workers run (getrusage); they vary less than the
// rates when the machine is shared. -only runs one phase; -cpuprofile
// profiles the first jobs phase run (pair it with -only). -runs N repeats
// each rate phase N times, the systems taking turns (in the opposite order
// every other round), and prints the medians and the range of the N
// ratios: on a shared machine one run's rates vary by a tenth or more.
//
// The server must be one you can write to: bench uses a fresh key prefix
// for jobs and deletes asynq's keys ("asynq:*") before each asynq phase.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/hibiken/asynq"
	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs"
)

var (
	redisURL  = flag.String("redis", envOr("JOBS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (shared by both systems)")
	drainN    = flag.Int("drain", 50_000, "jobs pre-enqueued for the drain test")
	workers   = flag.Int("workers", 50, "concurrent workers (both systems)")
	enqueueN  = flag.Int("enqueue", 20_000, "jobs for the single-enqueue test, at each producer count")
	producers = flag.String("producers", "1,8,32", "concurrent producers for the single-enqueue test: a comma-separated list, one measurement each")
	bulkN     = flag.Int("bulk", 100_000, "jobs for the bulk-enqueue test (batches of 1000)")
	samples   = flag.Int("latency", 200, "latency samples for jobs")
	asynqSamp = flag.Int("latency-asynq", 20, "latency samples for asynq (it polls once a second)")
	memN      = flag.Int("memory", 100_000, "pending jobs for the memory test")
	only      = flag.String("only", "", "run only the named phase (drain, enqueue, client, bulk, latency, memory)")
	cpuProf   = flag.String("cpuprofile", "", "write a CPU profile of the first jobs phase to this file (single enqueue interleaves the systems: add -jobs-only to profile jobs alone)")
	jobsOnly  = flag.Bool("jobs-only", false, "skip asynq (for profiling jobs alone)")
	memProf   = flag.String("memprofile", "", "write an allocation profile of the first jobs phase to this file")
	warmup    = flag.Int("warmup", 5_000, "jobs each system drains, unmeasured, before the measured phases")
	keepDone  = flag.Int("completed-limit", jobs.DefaultCompletedLimit, "completed jobs jobs keeps per queue (0: none, as asynq by default)")
	runs      = flag.Int("runs", 1, "times each rate phase (drain, enqueue, bulk) runs, the systems taking turns; the table shows medians")
)

// fillProducers is the concurrency of the unmeasured enqueues that fill a
// queue for asynq's drain and memory phases.
const fillProducers = 8

// want reports whether the phase runs (see -only).
func want(phase string) bool { return *only == "" || *only == phase }

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// producerCounts parses -producers.
func producerCounts() ([]int, error) {
	var ps []int
	for _, f := range strings.Split(*producers, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || p < 1 {
			return nil, fmt.Errorf("-producers %q: want a comma-separated list of counts >= 1", *producers)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

func main() {
	flag.Parse()
	log.SetFlags(0)
	ps, err := producerCounts()
	if err != nil {
		log.Fatal(err)
	}
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
	aopt := asynq.RedisClientOpt{Addr: opt.Addr, Password: opt.Password, DB: opt.DB, PoolSize: max(slices.Max(ps), 20)}
	var rows []row
	var floors []floorRow

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
		fl := newFloor(opt, slices.Max(ps))
		for i, p := range ps {
			r, f := enqueueRows(p, i == 0, j, a, fl)
			rows = append(rows, r...)
			floors = append(floors, f)
		}
		fl.close()
	}
	if want("client") {
		rows = append(rows, clientRows(j, a)...)
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
	printRows(rows)
	printFloors(floors)
	printCPU(ps)
	fmt.Printf("workers %d, producers %s, Redis %s\n", *workers, *producers, opt.Addr)
	j.cleanup(rdb)
}

// printRows prints the result table.
func printRows(rows []row) {
	fmt.Printf("\n%-36s %12s %12s %20s\n", "", "jobs", "asynq", "ratio")
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
		fmt.Printf("%-36s %12s %12s %20s\n", r.name, num(r.jobs), num(r.asynq), ratio)
	}
	fmt.Println("\nratio > 1 means jobs is better (faster, lower latency, less memory).")
	if *runs > 1 {
		fmt.Printf("rates, latencies and CPU times are medians of %d runs; in brackets, the lowest and highest ratio of a run.\n", *runs)
	}
}

// printFloors prints the floor of single enqueue at each producer count
// and each system's rate as a share of it.
func printFloors(floors []floorRow) {
	if len(floors) == 0 {
		return
	}
	fmt.Printf("\n%-36s %12s %12s %12s\n", "floor: one LPUSH per job", "LPUSH/s", "jobs", "asynq")
	for _, f := range floors {
		fmt.Printf("%-36s %12s %12s %12s\n", fmt.Sprintf("%s", producerName(f.producers)), num(f.rate), share(f.jobs, f.rate), share(f.asynq, f.rate))
	}
}

// share is v as a percentage of floor.
func share(v, floor float64) string {
	if v <= 0 || floor <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", 100*v/floor)
}

// printCPU prints the CPU time per job of each phase run, of the Redis
// server and of this process.
func printCPU(ps []int) {
	phases := []string{"drain"}
	for _, p := range ps {
		phases = append(phases, enqueuePhase(p))
	}
	phases = append(phases, "bulk")
	for _, cpu := range []struct {
		title string
		per   map[string][]float64
	}{{"Redis CPU per job (µs)", serverCPU}, {"Go process CPU per job (µs)", clientCPU}} {
		fmt.Printf("\n%-36s %12s %12s %12s\n", cpu.title, "jobs", "asynq", "floor")
		for _, phase := range phases {
			if v := median(cpu.per["jobs "+phase]); v > 0 {
				fmt.Printf("%-36s %12.1f %12s %12s\n", phase, v, cpuNum(median(cpu.per["asynq "+phase])), cpuNum(median(cpu.per["floor "+phase])))
			}
		}
	}
}

func cpuNum(v float64) string {
	if v == 0 {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
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

// peer is the system jobs is compared with: asynq, or skipped under -jobs-only.
type peer interface {
	drain(n int) float64
	enqueuer() (call func() error, done func())
	latency(n int) (float64, float64)
	memory(n int) float64
	client() clientCost
}

// skipped is the peer of -jobs-only: it measures nothing, so ratios read n/a.
type skipped struct{}

func (skipped) drain(int) float64                { return 0 }
func (skipped) enqueuer() (func() error, func()) { return nil, nil }
func (skipped) latency(int) (float64, float64)   { return 0, 0 }
func (skipped) memory(int) float64               { return 0 }
func (skipped) client() clientCost               { return clientCost{} }
