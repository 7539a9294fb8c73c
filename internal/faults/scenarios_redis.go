package faults

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/runtime"
)

// fsyncWindow is how much acknowledged work a crash of Redis with
// "appendfsync everysec" may lose: up to about two seconds.
const fsyncWindow = 2 * time.Second

// redisSIGKILL kills redis-server (AOF, fsync every second) while workers
// drain and restarts it on its data. Jobs enqueued more than a second
// before the kill must all complete; of those a producer enqueued until the
// kill, only ones acknowledged within the fsync window may vanish, and
// the count that did is noted.
func redisSIGKILL(ctx context.Context, e *Env) error {
	if err := e.StartRedis("--appendonly", "yes", "--appendfsync", "everysec"); err != nil {
		return err
	}
	if _, err := e.Enqueue(ctx, workType, 800, noArgs); err != nil {
		return err
	}
	if err := sleep(ctx, 1500*time.Millisecond); err != nil { // past one fsync
		return err
	}
	producer := startProducer(ctx, e.Client, "late", 10*time.Millisecond)
	o := workers()
	if _, err := e.StartWorkers(2, o); err != nil {
		return err
	}
	// Kill once the producer has run past the fsync window, while the
	// workers drain.
	produceUntil := time.Now().Add(fsyncWindow + 500*time.Millisecond)
	if _, err := e.WaitLedger(ctx, 30*time.Second, "100 stored outcomes", func(ev []Event) bool {
		return Count(ev, EventAck, AnyProcess, true) >= 100 && time.Now().After(produceUntil)
	}); err != nil {
		return err
	}
	killedAt := time.Now()
	if err := e.Redis.Kill(); err != nil {
		return err
	}
	producer.halt()
	if err := sleep(ctx, 500*time.Millisecond); err != nil {
		return err
	}
	if err := e.Redis.Restart(); err != nil {
		return err
	}
	restartedAt := time.Now()
	acked, unknown := producer.wait()
	var window []string
	for id, at := range acked {
		if killedAt.Sub(at) < fsyncWindow {
			window = append(window, id)
		} else {
			e.Expect(jobs.StateCompleted, id)
		}
	}
	e.MayExist(jobs.StateCompleted, window...)
	e.MayExist(jobs.StateCompleted, unknown...)
	events, err := e.Ledger()
	if err != nil {
		return err
	}
	e.AllowAckLoss(AckedBetween(events, killedAt.Add(-fsyncWindow), restartedAt)...)
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	if events, err = e.Ledger(); err != nil {
		return err
	}
	// Jobs held across the outage may run again, and so may jobs leased
	// just after the restart: a Dequeue reckons its lease deadline before
	// its round trip, so one delayed or retried across the outage leases
	// jobs that RecoverExpired takes back at once (seen in the ledger:
	// attempt 1 leased after the restart, recovered 20 ms later).
	e.AllowDuplicates(Unacked(events, AnyProcess, restartedAt.Add(o.withDefaults().Lease))...)
	if at, ok := FirstAckAfter(events, restartedAt); ok {
		e.SetRecovery(at.Sub(restartedAt))
	}
	vanished := 0
	for _, id := range window {
		if _, err := e.Backend.Job(ctx, id); errors.Is(err, jobs.ErrJobNotFound) {
			vanished++
		} else if err != nil {
			return err
		}
	}
	e.Note("down %.1f s; lost in the fsync window: %d of %d enqueues and %d of %d outcomes acknowledged in the last %s before the kill",
		restartedAt.Sub(killedAt).Seconds(), vanished, len(window), outcomesLost(events, killedAt), len(AckedBetween(events, killedAt.Add(-fsyncWindow), killedAt)), fsyncWindow)
	return nil
}

// outcomesLost counts the jobs whose completion was stored before t and
// stored again after it: the server lost the first one.
func outcomesLost(events []Event, t time.Time) int {
	before, again := map[string]bool{}, map[string]bool{}
	for _, e := range events {
		if e.Kind == EventAck && e.OK && e.State == jobs.StateCompleted {
			if e.At.Before(t) {
				before[e.JobID] = true
			} else if before[e.JobID] {
				again[e.JobID] = true
			}
		}
	}
	return len(again)
}

// producer enqueues one job at a time with a caller-chosen ID until
// stopped, noting when each enqueue was acknowledged.
type producer struct {
	stopOnce sync.Once
	quit     chan struct{}
	done     chan struct{}
	acked    map[string]time.Time
	unknown  []string // enqueues that returned an error
}

func startProducer(ctx context.Context, client *runtime.Client, prefix string, every time.Duration) *producer {
	p := &producer{quit: make(chan struct{}), done: make(chan struct{}), acked: map[string]time.Time{}}
	go func() {
		defer close(p.done)
		for i := 0; ; i++ {
			select {
			case <-p.quit:
				return
			case <-ctx.Done():
				return
			case <-time.After(every):
			}
			id := fmt.Sprintf("%s-%05d", prefix, i)
			callCtx, cancel := context.WithTimeout(ctx, time.Second)
			_, err := client.Enqueue(callCtx, workType, []byte("{}"), jobs.WithJobID(id))
			cancel()
			if err != nil {
				p.unknown = append(p.unknown, id)
			} else {
				p.acked[id] = time.Now()
			}
		}
	}()
	return p
}

// halt tells the producer to stop after the enqueue under way.
func (p *producer) halt() { p.stopOnce.Do(func() { close(p.quit) }) }

// wait waits for the halted producer to stop and returns when each
// acknowledged enqueue returned and the IDs of the enqueues that failed.
func (p *producer) wait() (map[string]time.Time, []string) {
	<-p.done
	return p.acked, p.unknown
}

// redisFreeze stops redis-server for 10 s while workers drain. Leases run
// out during the freeze, so jobs held across it (or leased just before it)
// may run twice; nothing may be lost.
func redisFreeze(ctx context.Context, e *Env) error {
	const freeze = 10 * time.Second
	o := workers()
	if _, err := startDrain(ctx, e, 600, 2, o); err != nil {
		return err
	}
	if _, err := e.WaitLedger(ctx, 30*time.Second, "100 stored outcomes", func(ev []Event) bool {
		return Count(ev, EventAck, AnyProcess, true) >= 100
	}); err != nil {
		return err
	}
	if err := e.Redis.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	if !e.Redis.WaitState('T', 5*time.Second) {
		return errors.New("redis-server did not stop on SIGSTOP")
	}
	if err := sleep(ctx, freeze); err != nil {
		return err
	}
	thawedAt := time.Now()
	if err := e.Redis.Signal(syscall.SIGCONT); err != nil {
		return err
	}
	_, held, err := drainAfterThaw(ctx, e, thawedAt, o.withDefaults().Lease)
	if err != nil {
		return err
	}
	e.Note("frozen %s; %d jobs held across it", freeze, len(held))
	return nil
}

// clientPause pauses every client for 2 s while jobs are enqueued one by
// one with caller-chosen IDs, each try with a 300 ms deadline, which it
// must keep. Each failed enqueue is retried with the same ID until it is
// stored or found stored; every job must then run exactly once.
func clientPause(ctx context.Context, e *Env) error {
	const pause, batch, deadline = 2 * time.Second, 150, 300 * time.Millisecond
	if err := e.StartRedis(); err != nil {
		return err
	}
	// Leases outlast the pause, so that no lease may run out.
	o := workers()
	o.Lease = 5 * time.Second
	if _, err := e.StartWorkers(2, o); err != nil {
		return err
	}
	enqueue := func(id string) (time.Duration, error) {
		tctx, cancel := context.WithTimeout(ctx, deadline)
		defer cancel()
		start := time.Now()
		_, err := e.Client.Enqueue(tctx, workType, []byte("{}"), jobs.WithJobID(id))
		return time.Since(start), err
	}

	pausedAt := make(chan time.Time, 1)
	retries, unknown, foundStored := 0, 0, 0
	var slowest time.Duration
	for i := range batch {
		if i == batch/4 {
			if err := e.Backend.Client().Do(ctx, "CLIENT", "PAUSE", pause.Milliseconds(), "ALL").Err(); err != nil {
				return fmt.Errorf("CLIENT PAUSE: %w", err)
			}
			pausedAt <- time.Now()
		}
		id := fmt.Sprintf("pause-%03d", i)
		for {
			took, err := enqueue(id)
			slowest = max(slowest, took)
			if err == nil {
				break
			}
			if errors.Is(err, jobs.ErrDuplicateJob) {
				foundStored++
				break
			}
			if ctx.Err() != nil {
				return fmt.Errorf("enqueue %s: %w", id, err)
			}
			retries++
			if errors.Is(err, jobs.ErrOutcomeUnknown) {
				unknown++
			}
			if err := sleep(ctx, 50*time.Millisecond); err != nil {
				return err
			}
		}
		e.Expect(jobs.StateCompleted, id)
		if err := sleep(ctx, 10*time.Millisecond); err != nil {
			return err
		}
	}
	if slowest > deadline+100*time.Millisecond {
		return fmt.Errorf("an enqueue with a %s deadline returned after %s", deadline, slowest)
	}
	resumedAt := (<-pausedAt).Add(pause)
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	events, err := e.Ledger()
	if err != nil {
		return err
	}
	if at, ok := FirstAckAfter(events, resumedAt); ok {
		e.SetRecovery(at.Sub(resumedAt))
	}
	e.Note("%d failed enqueues (%d of unknown outcome; slowest %s for a %s deadline) retried with the same ID, %d found stored by an earlier try",
		retries, unknown, slowest.Round(time.Millisecond), deadline, foundStored)
	return nil
}

// drainAfterThaw waits for the queue to drain after Redis was frozen and
// thawed at thawedAt, allows a second run of the jobs held across the
// freeze (a lease taken just before the freeze was reckoned from then, so
// it may run out a lease after the thaw), sets the recovery time to the
// first stored outcome after the thaw, and returns the ledger and the held
// jobs.
func drainAfterThaw(ctx context.Context, e *Env, thawedAt time.Time, lease time.Duration) (events []Event, held []string, err error) {
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return nil, nil, err
	}
	if events, err = e.Ledger(); err != nil {
		return nil, nil, err
	}
	held = Unacked(events, AnyProcess, thawedAt.Add(lease))
	e.AllowDuplicates(held...)
	if at, ok := FirstAckAfter(events, thawedAt); ok {
		e.SetRecovery(at.Sub(thawedAt))
	}
	return events, held, nil
}
