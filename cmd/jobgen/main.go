// Command jobgen generates typed job code from handler annotations.
//
// Annotate a handler with a //jobs:handler line in its doc comment:
//
//	//jobs:handler queue=emails priority=high max_retries=5
//	func SendEmail(ctx context.Context, args SendEmailArgs) (SendEmailResult, error)
//
// and run jobgen from the package's directory, usually through go generate:
//
//	//go:generate go run github.com/jobsgo/jobs/cmd/jobgen -out ../generated
//
// With Go's tool directive, pin jobgen in go.mod once (go get -tool
// github.com/jobsgo/jobs/cmd/jobgen adds "tool github.com/jobsgo/jobs/cmd/jobgen")
// and write instead:
//
//	//go:generate go tool jobgen -out ../generated
//
// jobgen loads the package (or the packages matching its arguments) with full
// type information, checks every annotated function and method, and writes two
// files into the -out directory: jobs_gen.go and jobs_mock_gen.go.
//
// # Generated API
//
// For each handler X with args T (and result R, if it has one), jobs_gen.go
// declares:
//
//	TypeX                                        the job type constant
//	(*Client).EnqueueX(ctx, args, opts...)       enqueue one job
//	(*Client).ScheduleX(ctx, at, args, opts...)  enqueue one job to run at at
//	(*Client).EnqueueXBatch(ctx, []T, opts...)   enqueue several, all or none
//	(*Client).ResultX(ctx, id) (R, error)        the result of a completed job
//	(*Client).WaitX(ctx, id) (R, error)          wait, then the result (just error without R)
//	PeriodicX(name, spec, args, opts...)         a runtime.Schedule for PoolConfig.Schedules
//	WithXMiddleware(mw...)                       a RegisterOption
//
// with the Enqueuer interface (the enqueueing methods), the Results interface
// (ResultX and WaitX) and Register. jobs_mock_gen.go declares MockEnqueuer, a
// typed recorder for tests that implements both interfaces: XCalls, FailX,
// AssertXEnqueued and AssertXNotEnqueued on what was enqueued, and
// SetXResult(func(T) (R, error)) to give its jobs the outcome ResultX and
// WaitX return.
//
// # Directive options
//
// All are optional; each may be given once. A value may be a double-quoted
// Go string (queue="emails"). A comment line that starts like a misspelled
// directive (// jobs:handler, //job:handler, //jobs:handlers) is an error,
// not a skipped handler.
//
//	name=T             job type (default: the function's name in snake_case)
//	queue=Q            default queue
//	priority=P         critical, high, normal or low
//	max_retries=N      retries after the first attempt (N >= 0)
//	backoff=B          exponential, linear or constant
//	initial_delay=D    first retry delay, a Go duration such as 2s
//	max_delay=D        longest retry delay
//	timeout=D          per-attempt timeout
//	tenant             tenant-scoped handler (takes a *sql.Tx)
//
// The options become defaults: generated EnqueueX, ScheduleX, EnqueueXBatch
// and PeriodicX put them before the caller's options (so the caller wins), and Register gives the retry policy
// and timeout to the registry for jobs enqueued without them.
//
// # Handler shapes
//
//	func(ctx context.Context, args T) error
//	func(ctx context.Context, args T) (R, error)
//	func(ctx context.Context, tx *sql.Tx, args T) error        // with tenant
//	func(ctx context.Context, tx *sql.Tx, args T) (R, error)   // with tenant
//
// Handlers may be functions or methods; Register takes one parameter per
// receiver type, sorted by type name. Handlers, receiver types, T and R must
// be exported, since the generated code usually lives in another package. T
// must be a named type taken by value (each attempt decodes a fresh copy, so
// a pointer would only add a nil case); R may be a named type or a pointer to
// one. Both must survive encoding/json: no channels, functions, complex
// numbers or unsafe pointers anywhere reachable, map keys that JSON allows,
// and for T no interfaces with methods. Types with their own MarshalJSON or
// MarshalText (and, for T, UnmarshalJSON or UnmarshalText) are trusted.
// Nothing may be dropped silently: an unexported field needs a json:"-" tag
// to say it is left out on purpose, and a struct must encode some field.
//
// Tenant handlers get EnqueueXForTenant(ctx, tenantID, args, opts...),
// ScheduleXForTenant, EnqueueXBatchForTenant and PeriodicXForTenant instead:
// a tenant job without a tenant can only fail, so the API makes it impossible
// to write. Their SetXResult function takes the tenant ID before the args.
//
// # Errors
//
// Every mistake is reported as file:line:col: message, all of them at once,
// and jobgen exits with status 1 without writing anything. File names are
// relative to the working directory, as the go command prints them (absolute
// when that is shorter); under go generate, which runs jobgen in the
// package's directory rather than the one go generate was typed in, they are
// absolute, so that an editor or terminal can open them either way.
//
// Usage:
//
//	jobgen [flags] [packages]
//
// Flags:
//
//	-dir dir      directory the packages and -out are relative to (default .)
//	-out dir      output directory (default: the package's directory)
//	-pkg name     output package name (default: the package in -out, else its base name)
//	-file name    main output file (default jobs_gen.go)
//	-mock name    mock output file (default jobs_mock_gen.go)
//	-tags list    comma-separated build tags
//	-version      print the version and exit
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/jobsgo/jobs/internal/jobgen"
	"github.com/jobsgo/jobs/internal/jobgen/model"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1 // annotation mistakes, load failures
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("jobgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg jobgen.Config
	var tags string
	version := fs.Bool("version", false, "print the version and exit")
	fs.StringVar(&cfg.Dir, "dir", "", "directory the packages and -out are relative to (default .)")
	fs.StringVar(&cfg.Out, "out", "", "output directory (default: the package's directory)")
	fs.StringVar(&cfg.Package, "pkg", "", "output package name (default: the package in -out, else its base name)")
	fs.StringVar(&cfg.File, "file", jobgen.DefaultFile, "main output file name")
	fs.StringVar(&cfg.MockFile, "mock", jobgen.DefaultMockFile, "mock output file name")
	fs.StringVar(&tags, "tags", "", "comma-separated build tags")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: jobgen [flags] [packages]\n\nGenerates typed job code from //jobs:handler annotations.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *version {
		fmt.Fprintln(stdout, "jobgen", jobgen.Version)
		return exitOK
	}
	cfg.Patterns = fs.Args()
	if tags != "" {
		cfg.Tags = strings.Split(tags, ",")
	}
	cfg.RelTo = jobgen.DiagnosticDir(os.Getenv)
	files, err := jobgen.Generate(cfg)
	if err == nil {
		err = jobgen.Write(files)
	}
	if err != nil {
		var diags model.Diagnostics
		if errors.As(err, &diags) {
			for _, d := range diags {
				fmt.Fprintln(stderr, d)
			}
		} else {
			fmt.Fprintln(stderr, "jobgen:", err)
		}
		return exitError
	}
	return exitOK
}
