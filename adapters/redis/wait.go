package redis

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// How a blocked Dequeue shows that its process still runs: it renews its
// live key every liveRenew, and the key expires liveTTL after the last
// renewal. A process stopped for longer than liveTTL (SIGSTOP, a VM pause)
// has no job leased to it by the take pipelined behind its wait
// (wait_take.lua); one that runs but missed renewals (a long GC pause)
// takes in a call of its own instead, a round trip later.
const (
	liveRenew = 100 * time.Millisecond
	liveTTL   = 300 * time.Millisecond
)

// waiter is what one Dequeue call blocks on: its wake-up key, which a
// cancellation of its context pokes, its live key (see liveTTL), and the
// keys of its take (the queue's, then the live key).
type waiter struct {
	k    *queueKeys
	wake string
	live string
	keys []string
	stop func() bool // unregisters the poke
}

// newWaiter names the keys of a Dequeue call on the queue of k that is
// about to wait, and has a cancellation of ctx poke it (see poke).
func (b *Backend) newWaiter(ctx context.Context, k *queueKeys) *waiter {
	call := b.instance + ":" + strconv.FormatUint(b.wakeSeq.Add(1), 10)
	w := &waiter{k: k, wake: k.base + "w:" + call, live: k.base + "live:" + call}
	w.keys = append(k.keys[:keyIndex:keyIndex], w.live)
	w.stop = context.AfterFunc(ctx, func() { b.poke(w) })
	return w
}

// waitTake waits on the queue's wake-up marker and w's wake-up key for up
// to wait, and then takes up to limit jobs for lease, in one pipeline:
// SET of the live key, BZPOPMIN, wait_take.lua. The server runs the take
// the moment the wait ends, so the job that ended it comes back in the
// same round trip, with no second call. While the pipeline is out, the
// live key is renewed (see liveTTL); without it the take takes nothing and
// waitTake reports the wait lapsed, as it does when the server lacked the
// script or refused it unrun: the caller then takes in a call of its own.
func (b *Backend) waitTake(ctx context.Context, w *waiter, wait time.Duration, limit int, lease time.Duration) (taken, bool, error) {
	args, now := b.takeCall(w.k, limit, lease)
	stop := b.keepLive(w.live)
	var pop, take *goredis.Cmd
	_, _ = b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.Set(ctx, w.live, "1", liveTTL)
		pop = p.Do(ctx, "BZPOPMIN", w.k.keys[keyWake], w.wake, strconv.FormatFloat(wait.Seconds(), 'f', 3, 64))
		take = waitTakeScript.EvalSha(ctx, p, w.keys, args.argv()...)
		return nil
	})
	stop()
	if err := pop.Err(); err != nil && !errors.Is(err, goredis.Nil) {
		return taken{}, false, fmt.Errorf("wait for jobs: %w", err)
	}
	res, err := take.Slice()
	switch {
	case err != nil && goredis.HasErrorPrefix(err, "NOSCRIPT"):
		if err := b.client.ScriptLoad(ctx, waitTakeScript.src).Err(); err != nil {
			return taken{}, false, fmt.Errorf("load wait_take.lua: %w", err)
		}
		return taken{}, true, nil
	case refusedUnrun(err):
		return taken{}, true, nil
	case err != nil:
		return taken{}, false, err
	case len(res) == 1:
		return taken{}, true, nil // the live key had expired
	}
	t, err := b.takeReply(ctx, w.k, res, now)
	return t, false, err
}

// liveKeys is the set of live keys of a backend's Dequeue calls that wait:
// one goroutine renews them all, in one pipeline every liveRenew, while
// any is there, so that an idle process wakes the server ten times a
// second however many queues it waits on.
type liveKeys struct {
	mu       sync.Mutex
	keys     map[string]bool // the live keys of the waits under way
	renewing bool            // the renewing goroutine runs
}

// keepLive has the live key renewed every liveRenew until the returned
// function is called.
func (b *Backend) keepLive(key string) (stop func()) {
	l := &b.live
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.keys == nil {
		l.keys = make(map[string]bool)
	}
	l.keys[key] = true
	if !l.renewing {
		l.renewing = true
		go b.renewLive()
	}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.keys, key)
	}
}

// renewLive renews the live keys every liveRenew, and returns once there
// are none.
func (b *Backend) renewLive() {
	l := &b.live
	tick := time.NewTicker(liveRenew)
	defer tick.Stop()
	for range tick.C {
		l.mu.Lock()
		if len(l.keys) == 0 {
			l.renewing = false
			l.mu.Unlock()
			return
		}
		keys := slices.Collect(maps.Keys(l.keys))
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), liveRenew)
		_, _ = b.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, k := range keys {
				p.PExpire(ctx, k, liveTTL)
			}
			return nil
		})
		cancel()
	}
}

// poke wakes the Dequeue call blocked on w (poke.lua, which works on a
// full Redis too) and deletes its live key, so that the take behind the
// wait takes nothing. The wake-up key expires by itself should that call
// have returned already. Close waits for the pokes under way and stops
// new ones.
func (b *Backend) poke(w *waiter) {
	b.pokeMu.Lock()
	if b.closed {
		b.pokeMu.Unlock()
		return // Close fails the blocked call anyway
	}
	b.pokes.Add(1)
	b.pokeMu.Unlock()
	defer b.pokes.Done()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = pokeScript.Run(ctx, b.client, []string{w.wake, w.live}).Err()
}
