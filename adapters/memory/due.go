package memory

// dueWatch wakes the Dequeue calls that wait for the earliest execute-at
// time of the schedule heap when that time moves earlier: each waiter set
// its timer for the earliest time it saw, so a job scheduled, or retried,
// to run sooner than that would otherwise start only when another event
// woke a waiter.
type dueWatch struct {
	waiters int           // Dequeue calls waiting on changed
	changed chan struct{} // closed and replaced when the earliest time moves earlier
}

func newDueWatch() dueWatch {
	return dueWatch{changed: make(chan struct{})}
}

// signal wakes every waiting Dequeue, which then sets its timer anew.
func (d *dueWatch) signal() {
	if d.waiters > 0 {
		close(d.changed)
		d.changed = make(chan struct{})
	}
}

// scheduled is called, with b.mu held, when r has entered the schedule
// heap: when it is now the earliest job there, the waiters wake.
func (b *Backend) scheduled(r *record) {
	if r.heapIndex == 0 {
		b.due.signal()
	}
}
