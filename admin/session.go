package admin

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"sync"
	"time"
)

// sessionCookie names the dashboard's session cookie; sessionTTL is how
// long a session lasts after login.
const (
	sessionCookie = "jobs_session"
	sessionTTL    = 12 * time.Hour
)

// session is a dashboard login: its CSRF token and when it ends.
type session struct {
	csrf    string
	expires time.Time
}

// sessions are the dashboard's sessions in this process, by ID. They live
// in memory: a restart, or another replica behind a load balancer, asks
// the operator to log in again.
type sessions struct {
	mu   sync.Mutex
	byID map[string]session
}

// randomToken is 256 random bits as text.
func randomToken() string {
	return rand.Text() + rand.Text()
}

// start creates a session, sets its cookie on w and returns it. The cookie
// is HttpOnly, SameSite=Strict, Secure under TLS, and has no Path, so the
// browser scopes it to the dashboard's directory whatever the prefix.
func (s *sessions) start(w http.ResponseWriter, r *http.Request) session {
	id := randomToken()
	now := time.Now()
	sess := session{csrf: randomToken(), expires: now.Add(sessionTTL)}
	s.mu.Lock()
	if s.byID == nil {
		s.byID = map[string]session{}
	}
	for k, v := range s.byID {
		if now.After(v.expires) {
			delete(s.byID, k)
		}
	}
	s.byID[id] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, MaxAge: int(sessionTTL / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	return sess
}

// get returns the live session r's cookie names.
func (s *sessions) get(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byID[c.Value]
	if !ok || time.Now().After(sess.expires) {
		return session{}, false
	}
	return sess, true
}

// end deletes r's session and its cookie.
func (s *sessions) end(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.byID, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// csrfValid reports whether r's form carries sess's CSRF token.
func csrfValid(r *http.Request, sess session) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) == 1
}
