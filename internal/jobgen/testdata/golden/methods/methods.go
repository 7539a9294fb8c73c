// Package methods has method handlers on several receivers: Register takes
// one parameter per receiver type, sorted by name.
package methods

import (
	"context"
	"time"
)

// Mailer sends mail.
type Mailer struct{ From string }

// Runtime is a receiver whose parameter name would shadow the runtime
// package.
type Runtime struct{}

// Archive is a value receiver.
type Archive struct{ Bucket string }

// WelcomeArgs are the args of welcome.
type WelcomeArgs struct {
	UserID int64     `json:"user_id"`
	At     time.Time `json:"at"` // time.Time marshals itself
}

// Welcome sends a welcome email.
//
//jobs:handler name=mail.welcome queue=mail
func (m *Mailer) Welcome(ctx context.Context, args WelcomeArgs) error { return nil }

// Digest sends a digest; second method of Mailer.
//
//jobs:handler
func (m Mailer) Digest(ctx context.Context, args WelcomeArgs) error { return nil }

// GCArgs are the args of gc.
type GCArgs struct{ Generation int }

// GC collects garbage.
//
//jobs:handler
func (r *Runtime) GC(ctx context.Context, args GCArgs) error { return nil }

// Stored is a result.
type Stored struct{ Key string }

// Store stores on a value receiver.
//
//jobs:handler name=archive_store
func (a Archive) Store(ctx context.Context, args GCArgs) (Stored, error) { return Stored{}, nil }
