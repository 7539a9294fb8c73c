// Command mainpkg has its handlers in package main, which no package can
// import: its mock is a test file of the package itself.
package main

import (
	"context"
	"database/sql"
)

// PingArgs are the args of ping.
type PingArgs struct {
	Host string `json:"host"`
}

// Ping checks a host.
//
//jobs:handler queue=probes
func Ping(ctx context.Context, args PingArgs) error { return nil }

// Audit records a tenant's ping.
//
//jobs:handler tenant
func Audit(ctx context.Context, tx *sql.Tx, args PingArgs) error { return nil }

func main() {}
