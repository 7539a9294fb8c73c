package admin

import (
	"errors"
	"net"
	"net/http"
	"strings"
)

// LoopbackHosts are the host names a browser uses for a server bound to a
// loopback address; give them to WithAllowedHosts for such a server.
var LoopbackHosts = []string{"localhost", "127.0.0.1", "::1"}

// WithAllowedHosts makes the handler answer only requests whose Host
// header names one of hosts (a host name or IP address, without a port;
// compared without case), and refuse the others with 421 Misdirected
// Request. This defeats DNS rebinding: a page on attacker.example whose
// name is made to resolve to the server's address reaches it with "Host:
// attacker.example". Without this option every Host is answered, which is
// right only when a proxy in front of the handler checks it.
func WithAllowedHosts(hosts ...string) Option {
	return func(c *config) error {
		for _, h := range hosts {
			n := normalHost(h)
			if n == "" || strings.ContainsAny(n, "/ ") {
				return errors.New("admin: allowed host " + `"` + h + `"` + " is not a host name or IP address")
			}
			if c.allowedHosts == nil {
				c.allowedHosts = map[string]bool{}
			}
			c.allowedHosts[n] = true
		}
		return nil
	}
}

// normalHost is host without brackets, trailing dot and case.
func normalHost(host string) string {
	host = strings.TrimSuffix(strings.Trim(strings.TrimSpace(host), "[]"), ".")
	return strings.ToLower(host)
}

// hostAllowed reports whether r's Host header names an allowed host; with
// no allowed hosts configured, every host is.
func (c *config) hostAllowed(r *http.Request) bool {
	if c.allowedHosts == nil {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return c.allowedHosts[normalHost(host)]
}

// guard refuses, before any authentication, a request to a host that is
// not allowed (421) and a cross-origin mutating request from a browser
// (403: Sec-Fetch-Site is not same-origin or none, or else the Origin
// header names another host than Host). It reports whether it refused.
func (h *Handler) guard(w http.ResponseWriter, r *http.Request) bool {
	if !h.cfg.hostAllowed(r) {
		writeError(w, http.StatusMisdirectedRequest, "This server does not answer for host "+r.Host)
		return true
	}
	if err := h.crossOrigin.Check(r); err != nil {
		writeError(w, http.StatusForbidden, "Cross-origin request refused")
		return true
	}
	return false
}

// Protect serves next behind the same checks as the admin API: allowed
// Host, no cross-origin mutating request, and authentication (bearer
// token or authorizer). Use it to put another endpoint, such as
// Prometheus' /metrics, behind the admin API's authentication.
func (h *Handler) Protect(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.guard(w, r) {
			return
		}
		if _, status := h.authenticate(r); status != 0 {
			h.refuse(w, status)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CheckHost serves next only for requests to an allowed host (see
// WithAllowedHosts), without authentication.
func (h *Handler) CheckHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.cfg.hostAllowed(r) {
			writeError(w, http.StatusMisdirectedRequest, "This server does not answer for host "+r.Host)
			return
		}
		next.ServeHTTP(w, r)
	})
}
