package names

import "context"

// Args are args.
type Args struct{ N int }

//jobs:handler name=send
func Send(ctx context.Context, args Args) error { return nil }

//jobs:handler name=send
func Post(ctx context.Context, args Args) error { return nil }

// A is a receiver.
type A struct{}

// B is a receiver.
type B struct{}

//jobs:handler name=a.run
func (A) Run(ctx context.Context, args Args) error { return nil }

//jobs:handler name=b.run
func (B) Run(ctx context.Context, args Args) error { return nil }

//jobs:handler
func Nothing(ctx context.Context, args Args) error { return nil }

//jobs:handler
func Email(ctx context.Context, args Args) error { return nil }

//jobs:handler
func EmailBatch(ctx context.Context, args Args) error { return nil }
