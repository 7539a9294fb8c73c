// Command faults runs the fault suite (package internal/faults): each
// scenario starts its own redis-server and worker processes (the
// faultworker binary given by -worker), inflicts its fault and audits the
// outcome. It prints a Markdown table and a closing line
// "faults: N passed, M failed", and exits 1 when a scenario failed.
// scripts/faults builds the worker and runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/faults"
)

func main() {
	worker := flag.String("worker", "", "the faultworker binary (required)")
	redisBin := flag.String("redis-server", "redis-server", "the redis-server binary")
	only := flag.String("only", "", "comma-separated scenarios to run (default: all)")
	ports := flag.String("ports", "", "FROM-TO: loopback ports for the redis-servers (default: any free port)")
	database := flag.String("database", "", "PostgreSQL URL on which tenant scenarios create databases (scripts/faults starts a server)")
	dir := flag.String("dir", "", "directory for the scenarios' files (default: a new temporary one)")
	list := flag.Bool("list", false, "list the scenarios and exit")
	verbose := flag.Bool("v", false, "print progress")
	keep := flag.Bool("keep", false, "keep the files (ledger, logs, Redis data) of passed scenarios too")
	flag.Parse()
	if *list {
		for _, s := range faults.Scenarios {
			fmt.Printf("%-16s %s\n", s.Name, s.Summary)
		}
		return
	}
	if err := run(*worker, *redisBin, *only, *ports, *dir, *database, *verbose, *keep); err != nil {
		fmt.Fprintf(os.Stderr, "faults: %v\n", err)
		os.Exit(1)
	}
}

func run(worker, redisBin, only, ports, dir, database string, verbose, keep bool) error {
	if worker == "" {
		return errors.New("-worker is required (scripts/faults builds it)")
	}
	scenarios, err := selectScenarios(only)
	if err != nil {
		return err
	}
	if redisBin, err = exec.LookPath(redisBin); err != nil {
		return err
	}
	port, err := portPicker(ports)
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "jobs-faults-"); err != nil {
			return err
		}
	}
	cfg := faults.Config{WorkerBin: worker, RedisBin: redisBin, Dir: dir, Port: port, Keep: keep, DatabaseURL: database}
	// go-redis logs every failed dial while a scenario has Redis down.
	goredis.SetLogger(quietLogger{verbose: verbose})
	if verbose {
		cfg.Logf = func(format string, args ...any) { fmt.Printf(format+"\n", args...) }
	}

	var rows []faults.Row
	failed := 0
	start := time.Now()
	for _, s := range scenarios {
		row := faults.RunScenario(context.Background(), cfg, s)
		verdict := "PASS"
		if !row.Passed() {
			verdict = "FAIL"
			failed++
		}
		fmt.Printf("faults: %-16s %s in %.1f s\n", s.Name, verdict, row.Took.Seconds())
		rows = append(rows, row)
	}
	fmt.Println()
	faults.WriteTable(os.Stdout, rows)
	faults.WriteFailures(os.Stdout, rows)
	if failed == 0 && !keep {
		_ = os.Remove(dir) // empty unless a scenario failed
	}
	fmt.Printf("\nfaults: %d scenarios in %.0f s\n", len(rows), time.Since(start).Seconds())
	fmt.Printf("faults: %d passed, %d failed\n", len(rows)-failed, failed)
	if failed > 0 {
		os.Exit(1)
	}
	return nil
}

// quietLogger prints go-redis's log lines only when verbose.
type quietLogger struct{ verbose bool }

func (l quietLogger) Printf(_ context.Context, format string, args ...any) {
	if l.verbose {
		fmt.Printf("  go-redis: "+format+"\n", args...)
	}
}

// selectScenarios returns the scenarios named in only (all when empty).
func selectScenarios(only string) ([]faults.Scenario, error) {
	if only == "" {
		return faults.Scenarios, nil
	}
	var out []faults.Scenario
	for name := range strings.SplitSeq(only, ",") {
		s, ok := faults.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("-only: no scenario %q (see -list)", name)
		}
		out = append(out, s)
	}
	return out, nil
}

// portPicker returns a function that finds a free loopback port: the
// first free one of the range "FROM-TO", or any when spec is empty.
func portPicker(spec string) (func() (int, error), error) {
	if spec == "" {
		return func() (int, error) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return 0, err
			}
			defer ln.Close()
			return ln.Addr().(*net.TCPAddr).Port, nil
		}, nil
	}
	lo, hi, ok := strings.Cut(spec, "-")
	from, err1 := strconv.Atoi(lo)
	to, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || from < 1 || to < from || to > 65535 {
		return nil, fmt.Errorf("-ports %q: want FROM-TO", spec)
	}
	return func() (int, error) {
		for p := from; p <= to; p++ {
			if ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p))); err == nil {
				ln.Close()
				return p, nil
			}
		}
		return 0, fmt.Errorf("no free port in %s", spec)
	}, nil
}
