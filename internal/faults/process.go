package faults

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Process is a child process of the suite: a worker or a redis-server.
type Process struct {
	Name    string
	cmd     *exec.Cmd
	log     *os.File
	logPath string
	done    chan struct{} // closed when the process has exited
	err     error         // its exit status, once done
	// exitExpected is set by the scenario that ends the process on
	// purpose, so that the runner does not report its exit.
	exitExpected bool
}

// ExpectExit tells the runner that the scenario ends this process itself.
func (p *Process) ExpectExit() { p.exitExpected = true }

// WaitState waits up to d until the kernel shows the process in state
// ('T': stopped, 'S' or 'R': running) and reports whether it did.
func (p *Process) WaitState(state byte, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.PID()))
		// The state follows the command name, which is in parentheses.
		if i := bytes.LastIndexByte(stat, ')'); err == nil && i >= 0 && i+2 < len(stat) && stat[i+2] == state {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startProcess starts bin with args, its output appended to logPath.
func startProcess(name, bin, logPath string, args ...string) (*Process, error) {
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	// A runner that dies (killed by a CI timeout) takes its servers and
	// workers with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, cmd: cmd, log: log, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p, nil
}

// Output is what the process has written to its stdout and stderr.
func (p *Process) Output() (string, error) {
	b, err := os.ReadFile(p.logPath)
	return string(b), err
}

// ExitCode is the exit status of a process that exited, -1 when a signal
// ended it, and false while it runs.
func (p *Process) ExitCode() (int, bool) {
	if !p.Exited() {
		return 0, false
	}
	return p.cmd.ProcessState.ExitCode(), true
}

// PID is the process's ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Signal sends sig to the process; signalling one that exited is not an
// error.
func (p *Process) Signal(sig syscall.Signal) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s: send %v: %w", p.Name, sig, err)
	}
	return nil
}

// Wait waits up to d for the process to exit and returns its exit error.
func (p *Process) Wait(d time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		return fmt.Errorf("%s (pid %d) still running after %s", p.Name, p.PID(), d)
	}
}

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Terminate stops the process: SIGCONT (it may be stopped) and SIGTERM,
// then SIGKILL when it has not exited within grace. It returns the exit
// error of a process that stopped on SIGTERM.
func (p *Process) Terminate(grace time.Duration) error {
	_ = p.Signal(syscall.SIGCONT)
	_ = p.Signal(syscall.SIGTERM)
	if err := p.Wait(grace); err == nil || p.Exited() {
		return err
	}
	_ = p.Signal(syscall.SIGKILL)
	_ = p.Wait(5 * time.Second)
	return fmt.Errorf("%s (pid %d) ignored SIGTERM for %s and was killed", p.Name, p.PID(), grace)
}

// RedisServer is a redis-server child process on a loopback port with its
// own data directory.
type RedisServer struct {
	*Process
	bin, dir string
	port     int
	args     []string
}

// startRedis starts redis-server on port with dir as its data directory;
// extra are further arguments (e.g. "--appendonly", "yes"), which override
// the defaults (no persistence). It returns once the server answers PING.
func startRedis(bin, dir string, port int, extra ...string) (*RedisServer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no"}, extra...)
	s := &RedisServer{bin: bin, dir: dir, port: port, args: args}
	return s, s.start()
}

func (s *RedisServer) start() error {
	p, err := startProcess("redis-server", s.bin, filepath.Join(s.dir, "redis.log"), s.args...)
	if err != nil {
		return err
	}
	s.Process = p
	deadline := time.Now().Add(10 * time.Second)
	for !s.ready() {
		if p.Exited() || time.Now().After(deadline) {
			_ = p.Terminate(time.Second)
			return fmt.Errorf("redis-server on port %d did not answer PING (see %s)", s.port, filepath.Join(s.dir, "redis.log"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// ready reports whether the server answers PING with PONG (not LOADING).
func (s *RedisServer) ready() bool {
	c, err := net.DialTimeout("tcp", s.Addr(), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// Addr is the server's host:port.
func (s *RedisServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is the server's redis:// URL.
func (s *RedisServer) URL() string { return "redis://" + s.Addr() + "/0" }

// Kill SIGKILLs the server and waits for it to exit.
func (s *RedisServer) Kill() error {
	if err := s.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	_ = s.Wait(5 * time.Second)
	if !s.Exited() {
		return fmt.Errorf("redis-server (pid %d) survived SIGKILL", s.PID())
	}
	return nil
}

// Restart starts the server again after it exited, with the same port,
// data directory and arguments, and waits until it answers PING (it has
// loaded its data).
func (s *RedisServer) Restart() error {
	if !s.Exited() {
		return fmt.Errorf("restart redis-server (pid %d): still running", s.PID())
	}
	return s.start()
}
