package admin

import (
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Limits of failed dashboard logins: at most loginFailuresPerIP from one
// client address and loginFailuresGlobal from all addresses together in
// any loginWindow; further attempts answer 429 Too Many Requests with a
// Retry-After header, without looking at the token.
const (
	loginFailuresPerIP  = 5
	loginFailuresGlobal = 50
	loginWindow         = time.Minute
)

// loginLimiter counts failed logins per client address and in all. Its
// zero value is ready to use. An attempt reserves a failure before the
// token is checked, so that concurrent attempts cannot overshoot the
// limits; a successful login gives its reservation back and forgets its
// address's failures.
type loginLimiter struct {
	mu  sync.Mutex
	now func() time.Time // time.Now when nil; tests move it
	// byIP holds the times of each address's failures within the window,
	// oldest first; all holds every address's.
	byIP map[string][]time.Time
	all  []time.Time
}

// clientIP is the address r came from, without its port. Behind a
// reverse proxy it is the proxy's, so all clients share its limit.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// begin reserves a failure for an attempt from ip and reports true, or,
// when ip or everyone used up the window's failures, reports false and how
// long until an attempt is let in again (at least a second).
func (l *loginLimiter) begin(ip string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.now != nil {
		now = l.now()
	}
	l.prune(now)
	var oldest time.Time
	switch {
	case len(l.byIP[ip]) >= loginFailuresPerIP:
		oldest = l.byIP[ip][0]
	case len(l.all) >= loginFailuresGlobal:
		oldest = l.all[0]
	default:
		if l.byIP == nil {
			l.byIP = map[string][]time.Time{}
		}
		l.byIP[ip] = append(l.byIP[ip], now)
		l.all = append(l.all, now)
		return 0, true
	}
	wait := oldest.Add(loginWindow).Sub(now)
	return max((wait + time.Second - 1).Truncate(time.Second), time.Second), false // rounded up
}

// succeeded forgets ip's failures, the reservation of its successful
// attempt included, and gives that reservation back to the global count.
func (l *loginLimiter) succeeded(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.byIP[ip]
	if len(times) == 0 {
		return
	}
	if i := slices.Index(l.all, times[len(times)-1]); i >= 0 {
		l.all = slices.Delete(l.all, i, i+1)
	}
	delete(l.byIP, ip)
}

// prune drops the failures that are older than the window at now.
func (l *loginLimiter) prune(now time.Time) {
	cutoff := now.Add(-loginWindow)
	recent := func(t time.Time) bool { return t.After(cutoff) }
	l.all = l.all[firstIndex(l.all, recent):]
	for ip, times := range l.byIP {
		if times = times[firstIndex(times, recent):]; len(times) == 0 {
			delete(l.byIP, ip)
		} else {
			l.byIP[ip] = times
		}
	}
}

// firstIndex is the index of the first of times (oldest first) that
// recent accepts, or len(times).
func firstIndex(times []time.Time, recent func(time.Time) bool) int {
	i := slices.IndexFunc(times, recent)
	if i < 0 {
		return len(times)
	}
	return i
}
