package faults

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jobsgo/jobs"
)

// wrongTypeKey overwrites the pending list of normal priority (p2) with a
// string while two workers drain it, as a stray SET would: the pending
// jobs it listed are orphaned and every script of the queue meets a key of
// the wrong type. Scripts must change nothing (the audit finds no
// half-applied change; an enqueue meanwhile stores nothing) with errors
// that name the key; the backend's Repair must then move the key aside
// and put the orphans back, and the workers drain every job. Only jobs
// held when the key was overwritten may run twice (their outcome could
// not be stored, so their lease ran out).
func wrongTypeKey(ctx context.Context, e *Env) error {
	const queue = jobs.DefaultQueue
	ws, err := startDrain(ctx, e, 400, 2, workers())
	if err != nil {
		return err
	}
	if _, err := e.WaitLedger(ctx, 30*time.Second, "40 stored outcomes", func(ev []Event) bool {
		return Count(ev, EventAck, AnyProcess, true) >= 40
	}); err != nil {
		return err
	}
	key := "jobs:{" + queue + "}:p2"
	if err := e.Backend.Client().Set(ctx, key, "not a list", 0).Err(); err != nil {
		return err
	}
	corruptedAt := time.Now()
	_, err = e.Client.Enqueue(ctx, workType, noArgs, jobs.WithJobID("while-corrupt"))
	if err == nil || !strings.Contains(err.Error(), key) {
		return fmt.Errorf("enqueue beside a wrong-type %s: err %v; want an error naming the key", key, err)
	}
	if _, err := e.Backend.Job(ctx, "while-corrupt"); !errors.Is(err, jobs.ErrJobNotFound) {
		return fmt.Errorf("the refused enqueue left its job behind: %v", err)
	}
	if err := sleep(ctx, 1500*time.Millisecond); err != nil { // past a lease
		return err
	}
	found, err := e.Backend.Repair(ctx, queue, false)
	if err != nil {
		return fmt.Errorf("repair (check): %w", err)
	}
	orphans, wrongType := 0, false
	for _, p := range found.Problems {
		switch {
		case p.Kind == jobs.RepairOrphan:
			orphans++
		case p.Kind == jobs.RepairWrongType && p.Key == key:
			wrongType = true
		}
	}
	if !wrongType || orphans == 0 {
		return fmt.Errorf("repair found %d orphans and the wrong-type key %t in %+v; want both", orphans, wrongType, found.Problems)
	}
	events, err := e.Ledger()
	if err != nil {
		return err
	}
	// Jobs held when the key was overwritten could not store their
	// outcome; their leases ran out.
	held := Unacked(events, AnyProcess, time.Now())
	e.AllowDuplicates(held...)
	if _, err := e.Backend.Repair(ctx, queue, true); err != nil {
		return fmt.Errorf("repair --fix: %w", err)
	}
	repairedAt := time.Now()
	if err := e.WaitDrained(ctx, 30*time.Second); err != nil {
		return err
	}
	named := 0
	for _, w := range ws {
		out, err := w.Output()
		if err != nil {
			return err
		}
		if strings.Contains(out, key) {
			named++
		}
	}
	if named == 0 {
		return fmt.Errorf("no worker logged an error naming %s", key)
	}
	if events, err = e.Ledger(); err != nil {
		return err
	}
	if at, ok := FirstAckAfter(events, repairedAt); ok {
		e.SetRecovery(at.Sub(repairedAt))
	}
	e.Note("%s set to a string %.1f s before the repair: %d orphaned jobs put back, %d held jobs allowed to rerun; %d of %d workers logged errors naming the key",
		key, repairedAt.Sub(corruptedAt).Seconds(), orphans, len(held), named, len(ws))
	return nil
}
