package runtime

import (
	"context"
	"testing"
	"time"
)

// returnsSoon runs fn and returns a function that reports whether fn has
// returned within wait.
func returnsSoon(fn func()) func(wait time.Duration) bool {
	done := make(chan struct{})
	go func() { fn(); close(done) }()
	return func(wait time.Duration) bool {
		select {
		case <-done:
			return true
		case <-time.After(wait):
			return false
		}
	}
}

// TestTurns walks the gate through its states: ordinary handlers side by
// side, a suspect waiting for them and closing the pool to new jobs, the
// suspect alone, its window passing, and a second suspect waiting for the
// first even after it yielded.
func TestTurns(t *testing.T) {
	ctx := context.Background()
	const short, long = 20 * time.Millisecond, 2 * time.Second
	tr := newTurns()
	if !tr.beside(ctx, nil) || !tr.beside(ctx, nil) || !tr.open() {
		t.Fatal("two ordinary handlers could not start side by side")
	}
	var first *aloneTurn
	soloDone := returnsSoon(func() { first = tr.solo(ctx, nil) })
	if soloDone(short) {
		t.Fatal("a suspect started beside two running handlers")
	}
	if tr.open() {
		t.Fatal("the pool takes jobs while a suspect waits")
	}
	besideDone := returnsSoon(func() { tr.beside(ctx, nil) })
	if besideDone(short) {
		t.Fatal("an ordinary handler started while a suspect waits")
	}
	tr.leaveBeside()
	tr.leaveBeside()
	if !soloDone(long) || first == nil {
		t.Fatal("the suspect did not start once the others ended")
	}
	if besideDone(short) || tr.open() {
		t.Fatal("an ordinary handler started, or the pool takes jobs, while a suspect runs alone")
	}

	first.yield() // the window passed: the first suspect runs beside others now
	if !besideDone(long) || !tr.open() {
		t.Fatal("an ordinary handler could not start, or the pool take jobs, once the suspect's window passed")
	}
	var second *aloneTurn
	secondDone := returnsSoon(func() { second = tr.solo(ctx, nil) })
	if secondDone(short) {
		t.Fatal("a second suspect started while the first still runs")
	}
	first.end()
	tr.leaveBeside()
	if !secondDone(long) || second == nil {
		t.Fatal("the second suspect did not start once the first and the ordinary handler ended")
	}
	second.end()
	if !tr.open() {
		t.Fatal("the pool does not take jobs once the suspects ended")
	}

	holder := tr.solo(ctx, nil)
	cctx, cancel := context.WithCancel(ctx)
	abandoned := returnsSoon(func() {
		if tr.solo(cctx, nil) != nil {
			t.Error("a cancelled wait took the turn")
		}
	})
	cancel()
	if !abandoned(long) {
		t.Fatal("a cancelled suspect kept waiting")
	}
	if tr.open() {
		t.Fatal("a cancelled suspect ended the turn of the one running alone")
	}
	holder.end()
	if !tr.open() {
		t.Fatal("the pool does not take jobs once the suspect ended")
	}
}
