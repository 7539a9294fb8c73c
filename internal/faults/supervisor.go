package faults

import (
	"sync"
	"time"
)

// restartDelay is how long a Supervisor waits before restarting a worker.
const restartDelay = 50 * time.Millisecond

// Supervisor restarts a worker process each time it exits, as systemd or
// Kubernetes would, until the scenario ends.
type Supervisor struct {
	env  *Env
	opts WorkerOptions
	done chan struct{} // closed when supervision has ended

	mu       sync.Mutex
	stopping bool
	current  *Process
	restarts int
	err      error // why a restart failed
}

// SuperviseWorker starts a worker and restarts it with the same options
// whenever it exits.
func (e *Env) SuperviseWorker(o WorkerOptions) (*Supervisor, error) {
	p, err := e.StartWorker(o)
	if err != nil {
		return nil, err
	}
	p.ExpectExit()
	s := &Supervisor{env: e, opts: o, done: make(chan struct{}), current: p}
	e.mu.Lock()
	e.supervisors = append(e.supervisors, s)
	e.mu.Unlock()
	go s.watch()
	return s, nil
}

func (s *Supervisor) watch() {
	defer close(s.done)
	for {
		s.mu.Lock()
		p := s.current
		s.mu.Unlock()
		<-p.done
		time.Sleep(restartDelay)
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			return
		}
		next, err := s.env.StartWorker(s.opts)
		if err != nil {
			s.err = err
			s.mu.Unlock()
			return
		}
		next.ExpectExit()
		s.current = next
		s.restarts++
		s.env.Logf("%s exited (%v); restarted as %s", p.Name, p.err, next.Name)
		s.mu.Unlock()
	}
}

// Restarts is how many times the worker has been restarted, and why the
// last restart failed if one did.
func (s *Supervisor) Restarts() (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarts, s.err
}

// stop ends supervision: the worker then running is left to stopWorkers.
func (s *Supervisor) stop() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
}
