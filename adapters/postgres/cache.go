package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/internal/wallclock"
)

// Cache defaults.
const (
	DefaultCacheTTL        = 30 * time.Second // how long a tenant is cached unless NewCachedResolver says otherwise
	DefaultCacheMaxEntries = 10000            // the bound on cached tenants unless WithMaxEntries says otherwise
)

// CachedResolver remembers what another Resolver returned, so that most jobs
// resolve their tenant without a query. It is safe for concurrent use.
//
// Positive results are kept for the TTL: a tenant disabled or moved to
// another schema keeps its old entry until then (or until Invalidate).
//
// Negative results (errors wrapping jobs.ErrTenantNotFound) are not kept
// unless WithNegativeTTL says so. Not caching them means a tenant created
// just after its first job was enqueued is seen at once, and costs one query
// per job of an unknown tenant; such jobs fail on their first attempt
// anyway, so that load is bounded by the rate of bad jobs. Other errors
// (the database is unreachable, ...) are never cached.
//
// Concurrent misses for one tenant each query the underlying resolver;
// with one query per TTL per tenant and worker, that is not worth
// coalescing.
type CachedResolver struct {
	next       Resolver
	ttl        time.Duration
	negTTL     time.Duration
	maxEntries int
	clock      jobs.Clock

	mu      sync.Mutex
	entries map[string]cacheEntry
	gen     uint64 // bumped by Invalidate, so that a result read before it is not stored after it
}

type cacheEntry struct {
	tenant  Tenant
	err     error // a *TenantError when negative
	expires time.Time
}

// CacheOption configures a CachedResolver.
type CacheOption func(*CachedResolver)

// WithNegativeTTL caches "unknown or disabled tenant" results for d
// (0, the default, does not cache them).
func WithNegativeTTL(d time.Duration) CacheOption {
	return func(c *CachedResolver) { c.negTTL = d }
}

// WithCacheClock sets the clock that expires entries (tests use a fake one).
func WithCacheClock(clock jobs.Clock) CacheOption {
	return func(c *CachedResolver) { c.clock = clock }
}

// WithMaxEntries bounds the number of cached tenants (default, and for n
// not positive: DefaultCacheMaxEntries). When the cache is full, expired entries are
// dropped; if none has expired, the new result is returned uncached.
func WithMaxEntries(n int) CacheOption {
	return func(c *CachedResolver) { c.maxEntries = n }
}

// NewCachedResolver caches next's results for ttl (DefaultCacheTTL when ttl
// is not positive).
func NewCachedResolver(next Resolver, ttl time.Duration, opts ...CacheOption) *CachedResolver {
	c := &CachedResolver{
		next:       next,
		ttl:        ttl,
		maxEntries: DefaultCacheMaxEntries,
		clock:      wallclock.Clock{},
		entries:    make(map[string]cacheEntry),
	}
	if c.ttl <= 0 {
		c.ttl = DefaultCacheTTL
	}
	for _, o := range opts {
		o(c)
	}
	if c.maxEntries <= 0 {
		c.maxEntries = DefaultCacheMaxEntries
	}
	return c
}

// Resolve returns the cached result for tenantID, or asks the underlying
// resolver and caches its answer.
func (c *CachedResolver) Resolve(ctx context.Context, tenantID string) (Tenant, error) {
	e, gen, ok := c.lookup(tenantID)
	if ok {
		return e.tenant, e.err
	}
	t, err := c.next.Resolve(ctx, tenantID)
	switch {
	case err == nil:
		c.store(tenantID, gen, cacheEntry{tenant: t}, c.ttl)
	case c.negTTL > 0 && errors.Is(err, jobs.ErrTenantNotFound):
		c.store(tenantID, gen, cacheEntry{err: err}, c.negTTL)
	}
	return t, err
}

// Invalidate forgets tenantID, so that its next job resolves it afresh. Call
// it after disabling a tenant or changing its schema.
func (c *CachedResolver) Invalidate(tenantID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, tenantID)
	c.gen++
}

// lookup returns the live entry of tenantID, if any, and the generation to
// store a fresh result under.
func (c *CachedResolver) lookup(tenantID string) (cacheEntry, uint64, bool) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[tenantID]
	if ok && !now.Before(e.expires) {
		delete(c.entries, tenantID)
		ok = false
	}
	return e, c.gen, ok
}

// store caches e for ttl unless the cache was invalidated since generation
// gen or is full of live entries.
func (c *CachedResolver) store(tenantID string, gen uint64, e cacheEntry, ttl time.Duration) {
	now := c.clock.Now()
	e.expires = now.Add(ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.entries[tenantID]; !ok && len(c.entries) >= c.maxEntries {
		for id, old := range c.entries {
			if !now.Before(old.expires) {
				delete(c.entries, id)
			}
		}
		if len(c.entries) >= c.maxEntries {
			return
		}
	}
	c.entries[tenantID] = e
}
