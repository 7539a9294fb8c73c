// Package none has no handlers.
package none

// F is not a handler.
func F() {}
