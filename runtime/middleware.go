package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	rt "runtime"
	"time"

	"github.com/jobsgo/jobs"
)

// PanicError is the error of an attempt whose handler panicked.
type PanicError struct {
	Value any    // what was passed to panic
	Stack string // the goroutine's stack at the panic
}

func (e *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", e.Value) }

// RecoverPanics is middleware that turns a panic in next into a *PanicError
// carrying the stack trace. The pool always installs it outermost, so a
// panicking handler (or middleware) costs one failed attempt, never the
// process.
func RecoverPanics(next Handler) Handler {
	return func(ctx context.Context, job jobs.Job) (result json.RawMessage, err error) {
		defer func() {
			if v := recover(); v != nil {
				buf := make([]byte, 64<<10)
				buf = buf[:rt.Stack(buf, false)]
				result, err = nil, &PanicError{Value: v, Stack: string(buf)}
			}
		}()
		return next(ctx, job)
	}
}

// chain wraps h in mw so that mw[0] is the outermost.
func chain(h Handler, mw []Middleware) Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// Logging is middleware that logs every attempt with log/slog: its start
// at debug level, its end at info (success) or warn (error) level, with the
// job ID, type, queue, attempt, tenant, duration and error as attributes.
// The pool itself logs only its decisions (retry, dead-letter queue, lease
// lost), so add Logging to PoolConfig.Middleware for a log line per job.
func Logging(logger *slog.Logger) Middleware {
	return func(next Handler) Handler {
		return func(ctx context.Context, job jobs.Job) (json.RawMessage, error) {
			log := logger.With(jobAttrs(job)...)
			log.DebugContext(ctx, "jobs: attempt started")
			start := time.Now()
			result, err := next(ctx, job)
			if err != nil {
				log.WarnContext(ctx, "jobs: attempt failed", "duration", time.Since(start), "err", err)
			} else {
				log.InfoContext(ctx, "jobs: attempt succeeded", "duration", time.Since(start))
			}
			return result, err
		}
	}
}
