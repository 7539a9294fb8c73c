// Package options uses every directive option.
package options

import "context"

// SyncArgs are the args of sync.
type SyncArgs struct {
	Account string   `json:"account"`
	Secret  func()   `json:"-"` // skipped by encoding/json, so allowed
	private chan int `json:"-"` // unexported, and dropped on purpose
}

// Sync uses every option but tenant.
//
//jobs:handler name=accounts.sync queue=sync priority=critical max_retries=0 backoff=constant initial_delay=1500ms max_delay=2h timeout=90s
func Sync(ctx context.Context, args SyncArgs) error { return nil }

// Poll uses low priority and a linear backoff with only an initial delay.
//
//jobs:handler priority=low backoff=linear initial_delay=10s max_retries=10
func Poll(ctx context.Context, args SyncArgs) error { return nil }
