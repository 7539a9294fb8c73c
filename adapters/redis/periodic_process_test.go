package redis

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// periodicPrefixVar, when set, makes TestPeriodicWorkerProcess run as a
// worker process on that key prefix.
const periodicPrefixVar = "JOBS_PERIODIC_PREFIX"

// claimPrinter reports every tick this process claims on stdout.
type claimPrinter struct{ *Backend }

func (c claimPrinter) ClaimTick(ctx context.Context, info jobs.ScheduleInfo) (bool, error) {
	won, err := c.Backend.ClaimTick(ctx, info)
	if won {
		fmt.Printf("claimed %d\n", info.LastRun.Unix())
	}
	return won, err
}

// TestPeriodicWorkerProcess is the worker that TestPeriodicAcrossProcesses
// runs in child processes, with its wall clock moved by JOBS_SKEW_OFFSET:
// a pool with one @every 1s schedule that prints "claimed <unix>" for each
// tick it claims and "ran <job ID>" for each job it runs, until it is
// killed. Without the environment variable it does nothing.
func TestPeriodicWorkerProcess(t *testing.T) {
	b := skewedChildBackend(t, periodicPrefixVar, "TestPeriodicAcrossProcesses")
	reg := runtime.NewRegistry()
	must(t, reg.Register("tick", func(ctx context.Context, j jobs.Job) (json.RawMessage, error) {
		fmt.Printf("ran %s\n", j.ID)
		return nil, nil
	}))
	pool, err := runtime.NewPool(claimPrinter{b}, reg, runtime.PoolConfig{
		Queues:    map[string]int{jobs.DefaultQueue: 2},
		Schedules: []runtime.Schedule{{Name: "every-second", Spec: "@every 1s", JobType: "tick"}},
	})
	must(t, err)
	must(t, pool.Start(context.Background()))
	time.Sleep(time.Minute) // the parent kills this process long before
}

// TestPeriodicAcrossProcesses runs one @every 1s schedule in three worker
// processes on one Redis, whose clocks are right, 5 minutes ahead and 5
// minutes behind, for more than ten ticks: every tick is claimed by
// exactly one process, at its time, ticks are a second apart, and every
// tick's job runs exactly once.
func TestPeriodicAcrossProcesses(t *testing.T) {
	if os.Getenv(periodicPrefixVar) != "" {
		t.Skip("running as a worker")
	}
	if testing.Short() {
		t.Skip("takes 12 s")
	}
	b := newTestBackend(t, nil)
	type line struct {
		kind, value string
		at          time.Time // when the parent read it
	}
	lines := make(chan line, 1000)
	for _, w := range skewWorkers {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPeriodicWorkerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), periodicPrefixVar+"="+b.prefix, skewOffsetVar+"="+w.offset.String())
		stdout, err := cmd.StdoutPipe()
		must(t, err)
		must(t, cmd.Start())
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		go func() {
			s := bufio.NewScanner(stdout)
			for s.Scan() {
				if kind, value, ok := strings.Cut(s.Text(), " "); ok && (kind == "claimed" || kind == "ran") {
					lines <- line{kind, value, time.Now()}
				}
			}
		}()
	}

	const ticks = 10
	claims := make(map[int64]int)
	runs := make(map[string]int)
	deadline := time.After((ticks + 8) * time.Second)
	for len(runs) <= ticks {
		select {
		case l := <-lines:
			if l.kind == "ran" {
				runs[l.value]++
				continue
			}
			tick, err := strconv.ParseInt(l.value, 10, 64)
			must(t, err)
			claims[tick]++
			if late := l.at.Sub(time.Unix(tick, 0)); late < 0 || late > time.Second {
				t.Errorf("tick %d claimed %s after its time; want within a second after it", tick, late)
			}
		case <-deadline:
			t.Fatalf("after %d s: %d ticks claimed, %d jobs ran", ticks+8, len(claims), len(runs))
		}
	}
	time.Sleep(200 * time.Millisecond) // let a double run, if any, arrive
drain:
	for {
		select {
		case l := <-lines:
			if l.kind == "ran" {
				runs[l.value]++
			} else if tick, err := strconv.ParseInt(l.value, 10, 64); err == nil {
				claims[tick]++
			}
		default:
			break drain
		}
	}

	var ticksClaimed []int64
	for tick, n := range claims {
		if n != 1 {
			t.Errorf("tick %d claimed by %d processes", tick, n)
		}
		ticksClaimed = append(ticksClaimed, tick)
	}
	sort.Slice(ticksClaimed, func(i, j int) bool { return ticksClaimed[i] < ticksClaimed[j] })
	for i := 1; i < len(ticksClaimed); i++ {
		if ticksClaimed[i]-ticksClaimed[i-1] != 1 {
			t.Errorf("ticks %d and %d are not a second apart", ticksClaimed[i-1], ticksClaimed[i])
		}
	}
	for id, n := range runs {
		if n != 1 {
			t.Errorf("job %s ran %d times", id, n)
		}
		if !strings.HasPrefix(id, "periodic:every-second:") {
			t.Errorf("job %s is not a tick of the schedule", id)
		}
	}
	t.Logf("3 processes: %d ticks claimed once each, %d jobs ran once each", len(ticksClaimed), len(runs))
}
