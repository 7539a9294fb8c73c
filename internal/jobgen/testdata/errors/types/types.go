package types

import (
	"context"
	"io"
	"unsafe"
)

type args struct{ N int }

//jobs:handler
func Unexported(ctx context.Context, a args) error { return nil }

// Args are fine.
type Args struct{ N int }

//jobs:handler
func Pointer(ctx context.Context, a *Args) error { return nil }

//jobs:handler
func Unnamed(ctx context.Context, a []string) error { return nil }

//jobs:handler
func Basic(ctx context.Context, a string) error { return nil }

// WithChan has a channel.
type WithChan struct {
	Done chan struct{}
}

//jobs:handler
func Chan(ctx context.Context, a WithChan) error { return nil }

// Deep hides a func deep down, through a recursive type.
type Deep struct {
	Children []Deep
	Meta     map[string]*Inner
}

// Inner is part of Deep.
type Inner struct {
	embedded
}

type embedded struct {
	Hook func(string)
}

//jobs:handler
func Nested(ctx context.Context, a Deep) error { return nil }

// Numbers has a complex number and an unsafe pointer.
type Numbers struct {
	Z complex128
	P unsafe.Pointer
}

//jobs:handler
func Complex(ctx context.Context, a Numbers) error { return nil }

// Key is a struct map key.
type Key struct{ A, B int }

// Keyed has a map with struct keys.
type Keyed struct {
	M map[Key]string
}

//jobs:handler
func MapKey(ctx context.Context, a Keyed) error { return nil }

// WithReader has an interface with methods.
type WithReader struct {
	R io.Reader
}

//jobs:handler
func Interface(ctx context.Context, a WithReader) error { return nil }

// BadResult has a func.
type BadResult struct {
	Callback func()
}

//jobs:handler
func Result(ctx context.Context, a Args) (BadResult, error) { return BadResult{}, nil }

// ReaderResult only needs encoding, so an interface is fine.
type ReaderResult struct {
	R io.Reader
}

//jobs:handler
func EncodeOnly(ctx context.Context, a Args) (*ReaderResult, error) { return nil, nil }

// Recursive is fine: the walk ends.
type Recursive struct {
	Next *Recursive
	Kids map[int]Recursive
}

//jobs:handler
func Recurse(ctx context.Context, a Recursive) error { return nil }
