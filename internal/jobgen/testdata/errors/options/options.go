package options

import "context"

// Args are args.
type Args struct{ N int }

// A has every kind of option mistake on one line.
//
//jobs:handler queu=x priority=urgent max_retries=-1 backoff=fib timeout=10 tenant=yes
func A(ctx context.Context, args Args) error { return nil }

// B repeats an option and has a bad name.
//
//jobs:handler name=9b queue=a queue=b
func B(ctx context.Context, args Args) error { return nil }

// C has its delays the wrong way round.
//
//jobs:handler initial_delay=2m max_delay=1m
func C(ctx context.Context, args Args) error { return nil }

// D has options without values.
//
//jobs:handler name max_retries= timeout=-5s
func D(ctx context.Context, args Args) error { return nil }
