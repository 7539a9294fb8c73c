package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	rt "runtime"
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
	return func(ctx context.Context, job Job) (result json.RawMessage, err error) {
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
