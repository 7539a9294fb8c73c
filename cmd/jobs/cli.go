package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/plural"
)

// Exit codes.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitNotFound = 3
)

// connector opens the backend of target; the function it returns closes
// it.
type connector func(ctx context.Context, target target) (jobs.Backend, func() error, error)

// target is the deployment a command works on.
type target struct {
	url           string       // the Redis URL, "" for the adapter's default
	cluster       string       // the Redis Cluster's seed addresses, comma-separated, or ""
	sentinel      string       // <master name>@<sentinel addresses, comma-separated>, or ""
	prefix        string       // the key prefix, "" for the adapter's default
	allowEviction bool         // an evicting server is a warning, not an error
	log           *slog.Logger // receives the backend's warnings
}

// env is the command's surroundings, replaced in tests.
type env struct {
	getenv  func(string) string
	stdout  io.Writer
	stderr  io.Writer
	connect connector
}

// cli is one invocation: its environment, common flags and backend.
type cli struct {
	env
	redisURL      string
	cluster       string
	sentinel      string
	prefix        string
	allowEviction bool
	json          bool
	backend       jobs.Backend
	close         func() error
}

// usageError is a mistake in the command line (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// command is one subcommand.
type command struct {
	usage string // arguments and flags, after the name
	run   func(ctx context.Context, c *cli, args []string) error
}

var commands = map[string]command{
	"stats":  {"", runStats},
	"queues": {"", runQueues},
	"failed": {"[--limit N] [--queue Q] [--type T]", runFailed},
	"job":    {"ID", runJob},
	"retry":  {"ID | --all-failed [--queue Q] [--type T]", runRetry},
	"cancel": {"ID", runCancel},
	"delete": {"ID", runDelete},
	"pause":  {"QUEUE", runPause},
	"resume": {"QUEUE", runResume},
	"repair": {"QUEUE [--fix]", runRepair},
	"serve":  {"[--addr A] [--read-only] [--insecure]", runServe},
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, e env) int {
	c := &cli{env: e}
	fs := c.flagSet("jobs")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.usage(c.stdout)
			return exitOK
		}
		c.usage(c.stderr)
		return exitUsage
	}
	if fs.NArg() == 0 || fs.Arg(0) == "help" {
		w, code := c.stderr, exitUsage
		if fs.Arg(0) == "help" {
			w, code = c.stdout, exitOK
		}
		c.usage(w)
		return code
	}
	name := fs.Arg(0)
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(c.stderr, "jobs: unknown command %q\n", name)
		c.usage(c.stderr)
		return exitUsage
	}
	err := cmd.run(ctx, c, fs.Args()[1:])
	if c.close != nil {
		if cerr := c.close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(c.stderr, "jobs %s: %v\nusage: jobs %s %s\n", name, err, name, cmd.usage)
		return exitUsage
	case errors.Is(err, jobs.ErrJobNotFound):
		fmt.Fprintf(c.stderr, "jobs %s: %v\n", name, err)
		return exitNotFound
	}
	fmt.Fprintf(c.stderr, "jobs %s: %v\n", name, err)
	return exitError
}

// flagSet returns a flag set with the common flags, bound to c.
func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&c.redisURL, "redis-url", c.or(c.redisURL, c.getenv("JOBS_REDIS_URL")), "Redis URL (default $JOBS_REDIS_URL)")
	fs.StringVar(&c.cluster, "cluster", c.or(c.cluster, c.getenv("JOBS_REDIS_CLUSTER")), "Redis Cluster seed addresses host:port,host:port,... instead of a URL (default $JOBS_REDIS_CLUSTER)")
	fs.StringVar(&c.sentinel, "sentinel", c.or(c.sentinel, c.getenv("JOBS_REDIS_SENTINEL")), "Redis Sentinel: master-name@host:port,host:port,... instead of a URL (default $JOBS_REDIS_SENTINEL)")
	fs.StringVar(&c.prefix, "prefix", c.or(c.prefix, c.getenv("JOBS_REDIS_PREFIX")), "key prefix (default $JOBS_REDIS_PREFIX)")
	fs.BoolVar(&c.allowEviction, "allow-eviction", c.allowEviction, "go on when Redis may evict keys (a maxmemory-policy other than noeviction), with a warning")
	fs.BoolVar(&c.json, "json", c.json, "print JSON instead of tables")
	return fs
}

// or returns a unless it is empty, else b.
func (c *cli) or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// parse parses a command's flags, which may come before, between or after
// its arguments ("--" ends them), and checks the number of arguments.
func (c *cli) parse(fs *flag.FlagSet, args []string, minArgs, maxArgs int) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		used := len(args) - fs.NArg()
		if fs.NArg() == 0 || used > 0 && args[used-1] == "--" {
			rest = append(rest, fs.Args()...)
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if n := len(rest); n < minArgs || n > maxArgs {
		if minArgs == maxArgs {
			return nil, usagef("want %s, got %d", plural.Count(minArgs, "argument", "arguments"), n)
		}
		return nil, usagef("want %d to %d arguments, got %d", minArgs, maxArgs, n)
	}
	return rest, nil
}

// connected returns the backend, connecting on first use.
func (c *cli) connected(ctx context.Context) (jobs.Backend, error) {
	if c.backend == nil {
		b, closeFn, err := c.connect(ctx, target{url: c.redisURL, cluster: c.cluster, sentinel: c.sentinel, prefix: c.prefix,
			allowEviction: c.allowEviction, log: slog.New(slog.NewTextHandler(c.stderr, nil))})
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w", c.server(), err)
		}
		c.backend, c.close = b, closeFn
	}
	return c.backend, nil
}

// server names the Redis deployment the flags point at, for errors.
func (c *cli) server() string {
	switch {
	case c.cluster != "":
		return "the Redis Cluster at " + c.cluster
	case c.sentinel != "":
		return "Redis Sentinel " + c.sentinel
	}
	return c.or(c.redisURL, "the default Redis")
}

// printJSON writes v as indented JSON.
func (c *cli) printJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// usage lists the commands.
func (c *cli) usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: jobs [--redis-url URL | --cluster ADDRS | --sentinel MASTER@ADDRS] [--prefix P] [--allow-eviction] [--json] <command> [flags] [arguments]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %s\n", strings.TrimSpace(n+" "+commands[n].usage))
	}
	b.WriteString("\nexit codes: 0 ok, 1 error, 2 usage, 3 not found\n")
	io.WriteString(w, b.String())
}
