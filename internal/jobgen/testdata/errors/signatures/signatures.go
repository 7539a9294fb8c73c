package signatures

import (
	"context"
	"database/sql"
)

// Args are args.
type Args struct{ N int }

// Result is a result.
type Result struct{ N int }

//jobs:handler
func NoParams() error { return nil }

//jobs:handler
func NoContext(s string, args Args) error { return nil }

//jobs:handler
func NoError(ctx context.Context, args Args) {}

//jobs:handler
func WrongResult(ctx context.Context, args Args) string { return "" }

//jobs:handler
func SecondNotError(ctx context.Context, args Args) (Result, bool) { return Result{}, false }

//jobs:handler
func ThreeResults(ctx context.Context, args Args) (Result, Result, error) {
	return Result{}, Result{}, nil
}

//jobs:handler
func Variadic(ctx context.Context, args ...Args) error { return nil }

//jobs:handler
func TxWithoutTenant(ctx context.Context, tx *sql.Tx, args Args) error { return nil }

//jobs:handler tenant
func TenantWithoutTx(ctx context.Context, args Args) error { return nil }

//jobs:handler tenant
func TenantWrongTx(ctx context.Context, db *sql.DB, args Args) error { return nil }

//jobs:handler
func Generic[T any](ctx context.Context, args Args) error { return nil }

//jobs:handler
func unexported(ctx context.Context, args Args) error { return nil }

type service struct{}

//jobs:handler
func (s *service) Run(ctx context.Context, args Args) error { return nil }

// Box is generic.
type Box[T any] struct{}

//jobs:handler
func (b *Box[T]) Open(ctx context.Context, args Args) error { return nil }
