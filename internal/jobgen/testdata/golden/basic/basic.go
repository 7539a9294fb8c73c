// Package basic has a plain handler and a handler with a result, both with
// default options and default names.
package basic

import "context"

// PingArgs are the args of ping.
type PingArgs struct {
	Host string `json:"host"`
}

// Ping checks a host. It has no result.
//
//jobs:handler
func Ping(ctx context.Context, args PingArgs) error { return nil }

// ResizeHTTPImageArgs are the args of resize_http_image.
type ResizeHTTPImageArgs struct {
	URL   string            `json:"url"`
	Sizes []int             `json:"sizes"`
	Tags  map[string]string `json:"tags"`
	Next  *ResizeHTTPImageArgs
}

// Resized is the result of ResizeHTTPImage.
type Resized struct {
	Keys []string `json:"keys"`
}

// ResizeHTTPImage has a result and a default name made of an initialism.
//
//jobs:handler
func ResizeHTTPImage(ctx context.Context, args ResizeHTTPImageArgs) (*Resized, error) {
	return &Resized{}, nil
}
