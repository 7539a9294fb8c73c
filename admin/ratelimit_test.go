package admin

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jobsgo/jobs/adapters/memory"
)

// TestLoginRateLimit posts logins to the dashboard from several client
// addresses while a fake clock moves, and checks each answer's status and
// Retry-After.
func TestLoginRateLimit(t *testing.T) {
	const token = "rate-limit-token"
	wrong := func(ip string, status int) attempt { return attempt{ip: ip, token: "wrong", status: status} }
	fiveWrong := []attempt{wrong("192.0.2.1", 401), wrong("192.0.2.1", 401), wrong("192.0.2.1", 401), wrong("192.0.2.1", 401), wrong("192.0.2.1", 401)}
	tests := []struct {
		name     string
		attempts []attempt
	}{
		{"five failures, then 429 even with the right token", append(fiveWrong,
			attempt{ip: "192.0.2.1", token: token, status: 429, retry: "60"},
			attempt{advance: 20 * time.Second, ip: "192.0.2.1", token: "wrong", status: 429, retry: "40"},
		)},
		{"another address is not limited", append(fiveWrong,
			attempt{ip: "192.0.2.2", token: "wrong", status: 401},
			attempt{ip: "192.0.2.2", token: token, status: 303},
		)},
		{"the window passes", append(fiveWrong,
			attempt{advance: loginWindow, ip: "192.0.2.1", token: "wrong", status: 401},
			attempt{ip: "192.0.2.1", token: token, status: 303},
		)},
		{"a success forgets the address's failures", append(fiveWrong[:4],
			attempt{ip: "192.0.2.1", token: token, status: 303},
			wrong("192.0.2.1", 401), wrong("192.0.2.1", 401), wrong("192.0.2.1", 401), wrong("192.0.2.1", 401), wrong("192.0.2.1", 401),
			attempt{ip: "192.0.2.1", token: token, status: 429, retry: "60"},
		)},
		{"the global limit stops a spread attack", globalAttack(token)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(memory.New(), WithToken(token))
			if err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
			h.logins.now = func() time.Time { return now }
			for i, a := range tt.attempts {
				now = now.Add(a.advance)
				rec := postLogin(h, a.ip, a.token)
				if rec.Code != a.status {
					t.Fatalf("attempt %d (%s, token %q): status %d, want %d", i, a.ip, a.token, rec.Code, a.status)
				}
				if got := rec.Header().Get("Retry-After"); got != a.retry {
					t.Fatalf("attempt %d: Retry-After %q, want %q", i, got, a.retry)
				}
				if a.status == 429 && !strings.Contains(rec.Body.String(), "Too many failed logins") {
					t.Fatalf("attempt %d: the 429 page does not say why:\n%s", i, rec.Body.String())
				}
			}
		})
	}
}

// globalAttack is loginFailuresGlobal failures from as many addresses,
// after which a fresh address is refused too, and let in a window later.
func globalAttack(token string) []attempt {
	var out []attempt
	for i := range loginFailuresGlobal {
		out = append(out, attempt{ip: "198.51.100." + strconv.Itoa(i), token: "wrong", status: 401})
	}
	return append(out,
		attempt{ip: "203.0.113.9", token: token, status: 429, retry: "60"},
		attempt{advance: loginWindow, ip: "203.0.113.9", token: token, status: 303},
	)
}

// attempt is one login of TestLoginRateLimit and its expected answer.
type attempt struct {
	advance time.Duration // the clock moves this far first
	ip      string
	token   string
	status  int
	retry   string // the Retry-After header, when status is 429
}

// postLogin posts token to h's login form from ip.
func postLogin(h *Handler, ip, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, DashboardPath+"login", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = ip + ":41234"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestLoginRateLimitConcurrent fires many wrong logins from one address at
// once: no more than loginFailuresPerIP of them reach the token check.
func TestLoginRateLimitConcurrent(t *testing.T) {
	h, err := New(memory.New(), WithToken("concurrent-token"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			code := postLogin(h, "192.0.2.7", "wrong").Code
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[http.StatusUnauthorized] != loginFailuresPerIP || codes[http.StatusTooManyRequests] != 40-loginFailuresPerIP {
		t.Fatalf("statuses %v, want %d × 401 and %d × 429", codes, loginFailuresPerIP, 40-loginFailuresPerIP)
	}
}
