package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jobsgo/jobs"
)

// fakeClock is a jobs.Clock moved by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// countingResolver knows tenants "a" and "b", calls every other ID unknown
// and "flaky" a transient failure, and counts its calls per tenant.
type countingResolver struct {
	mu    sync.Mutex
	calls map[string]int
}

var errDatabaseDown = errors.New("database is down")

func (r *countingResolver) Resolve(_ context.Context, id string) (Tenant, error) {
	r.mu.Lock()
	if r.calls == nil {
		r.calls = make(map[string]int)
	}
	r.calls[id]++
	r.mu.Unlock()
	switch id {
	case "a", "b":
		return Tenant{ID: id, Slug: "slug-" + id, Schema: "tenant_" + id}, nil
	case "flaky":
		return Tenant{}, errDatabaseDown
	}
	return Tenant{}, &TenantError{TenantID: id, Reason: "unknown tenant"}
}

func (r *countingResolver) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

func newTestCache(ttl time.Duration, opts ...CacheOption) (*CachedResolver, *countingResolver, *fakeClock) {
	next := &countingResolver{}
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	return NewCachedResolver(next, ttl, append([]CacheOption{WithCacheClock(clock)}, opts...)...), next, clock
}

// resolveWant resolves id through c and checks the result and how many times
// the underlying resolver has been asked in total.
func resolveWant(t *testing.T, c *CachedResolver, next *countingResolver, id string, wantCalls int) (Tenant, error) {
	t.Helper()
	got, err := c.Resolve(context.Background(), id)
	if n := next.count(id); n != wantCalls {
		t.Fatalf("after Resolve(%q): underlying resolver called %d times, want %d", id, n, wantCalls)
	}
	return got, err
}

func TestCachedResolverHitMissExpiry(t *testing.T) {
	c, next, clock := newTestCache(time.Minute)

	got, err := resolveWant(t, c, next, "a", 1) // miss
	want := Tenant{ID: "a", Slug: "slug-a", Schema: "tenant_a"}
	if err != nil || got != want {
		t.Fatalf("Resolve(a) = %+v, %v; want %+v, nil", got, err, want)
	}
	clock.Advance(59 * time.Second)
	if got, err := resolveWant(t, c, next, "a", 1); err != nil || got != want { // hit
		t.Fatalf("cached Resolve(a) = %+v, %v; want %+v, nil", got, err, want)
	}
	resolveWant(t, c, next, "b", 1) // another tenant: its own miss
	clock.Advance(time.Second)      // exactly the TTL: expired
	resolveWant(t, c, next, "a", 2)
	resolveWant(t, c, next, "a", 2) // cached again
	resolveWant(t, c, next, "b", 1) // b was stored a second later
}

func TestCachedResolverInvalidate(t *testing.T) {
	c, next, _ := newTestCache(time.Minute)
	resolveWant(t, c, next, "a", 1)
	c.Invalidate("a")
	resolveWant(t, c, next, "a", 2)
	resolveWant(t, c, next, "a", 2)
}

func TestCachedResolverDoesNotCacheNegativesByDefault(t *testing.T) {
	c, next, _ := newTestCache(time.Minute)
	for i := 1; i <= 3; i++ {
		_, err := resolveWant(t, c, next, "nope", i)
		if !errors.Is(err, jobs.ErrTenantNotFound) {
			t.Fatalf("Resolve(nope) error = %v, want ErrTenantNotFound", err)
		}
	}
}

func TestCachedResolverNegativeTTL(t *testing.T) {
	c, next, clock := newTestCache(time.Minute, WithNegativeTTL(5*time.Second))
	_, err1 := resolveWant(t, c, next, "nope", 1)
	_, err2 := resolveWant(t, c, next, "nope", 1)
	var te *TenantError
	if !errors.As(err2, &te) || te.TenantID != "nope" || err2 != err1 {
		t.Fatalf("cached negative = %v, want the first *TenantError %v", err2, err1)
	}
	clock.Advance(5 * time.Second)
	resolveWant(t, c, next, "nope", 2)
	// Positives still live for the full TTL.
	resolveWant(t, c, next, "a", 1)
	clock.Advance(30 * time.Second)
	resolveWant(t, c, next, "a", 1)
}

func TestCachedResolverNeverCachesTransientErrors(t *testing.T) {
	c, next, _ := newTestCache(time.Minute, WithNegativeTTL(time.Minute))
	for i := 1; i <= 3; i++ {
		if _, err := resolveWant(t, c, next, "flaky", i); !errors.Is(err, errDatabaseDown) {
			t.Fatalf("Resolve(flaky) error = %v, want %v", err, errDatabaseDown)
		}
	}
}

func TestCachedResolverMaxEntries(t *testing.T) {
	c, next, clock := newTestCache(time.Minute, WithMaxEntries(1))
	resolveWant(t, c, next, "a", 1)
	resolveWant(t, c, next, "b", 1) // full of live entries: b is not cached
	resolveWant(t, c, next, "b", 2)
	resolveWant(t, c, next, "a", 1) // a still is
	clock.Advance(time.Minute)
	resolveWant(t, c, next, "b", 3) // a expired: swept to make room for b
	resolveWant(t, c, next, "b", 3)
}

func TestCachedResolverDefaultTTL(t *testing.T) {
	c, next, clock := newTestCache(0)
	resolveWant(t, c, next, "a", 1)
	clock.Advance(DefaultCacheTTL - time.Nanosecond)
	resolveWant(t, c, next, "a", 1)
	clock.Advance(time.Nanosecond)
	resolveWant(t, c, next, "a", 2)
}

// TestCachedResolverInvalidateDuringResolve checks that a result read before
// Invalidate is not cached after it (it may be stale).
func TestCachedResolverInvalidateDuringResolve(t *testing.T) {
	var c *CachedResolver
	var calls atomic.Int32
	c = NewCachedResolver(ResolverFunc(func(_ context.Context, id string) (Tenant, error) {
		if calls.Add(1) == 1 {
			c.Invalidate(id) // e.g. an admin disables the tenant meanwhile
		}
		return Tenant{ID: id, Schema: "tenant_" + id}, nil
	}), time.Minute)
	for i, want := range []int32{1, 2, 2} { // dropped, then stored, then a hit
		if _, err := c.Resolve(context.Background(), "a"); err != nil {
			t.Fatal(err)
		}
		if got := calls.Load(); got != want {
			t.Fatalf("after Resolve #%d: resolver called %d times, want %d", i+1, got, want)
		}
	}
}

func TestCachedResolverConcurrent(t *testing.T) {
	c, next, clock := newTestCache(time.Second, WithNegativeTTL(time.Second), WithMaxEntries(8))
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				id := []string{"a", "b", fmt.Sprint("x", i%20)}[i%3]
				tenant, err := c.Resolve(context.Background(), id)
				if (err == nil) != (id == "a" || id == "b") || (err == nil && tenant.ID != id) {
					t.Errorf("Resolve(%q) = %+v, %v", id, tenant, err)
					return
				}
				if i%50 == 0 {
					clock.Advance(time.Second)
					c.Invalidate(fmt.Sprint("x", g))
				}
			}
		}()
	}
	wg.Wait()
	if n := next.count("a"); n == 0 || n >= 16*67 {
		t.Errorf("underlying resolver called %d times for a; the cache does not work", n)
	}
}
