package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/runtime"
)

// Defaults of the options.
const (
	DefaultPrefix          = "jobs"
	DefaultDeadLetterLimit = 10_000
	DefaultDeadLetterAge   = 30 * 24 * time.Hour
	DefaultCompletedLimit  = 10_000
	DefaultCompletedAge    = 24 * time.Hour
	DefaultHistoryLimit    = 100
	// DefaultBlockTimeout bounds one blocking wait of Dequeue. Enqueues,
	// promotions and cancellation wake it at once; the bound only matters
	// when the clock is moved by hand.
	DefaultBlockTimeout = time.Second
)

// Option configures a Backend.
type Option func(*config)

type config struct {
	url          string
	urlGiven     bool     // WithURL was used, so an empty url is a mistake
	clusterAddrs []string // WithClusterAddrs: seed nodes of a Redis Cluster
	sentinel     *sentinelConfig
	password     *string
	db           *int
	poolSize     int
	dialTimeout  time.Duration
	readTimeout  time.Duration
	writeTimeout time.Duration
	client       goredis.UniversalClient

	prefix         string
	clock          runtime.Clock
	deadLimit      int
	deadMaxAge     time.Duration
	completedLimit int
	completedAge   time.Duration
	historyLimit   int
	blockTimeout   time.Duration
	cluster        *bool
	allowEviction  bool
	log            *slog.Logger
	startupCheck   *time.Duration // WithStartupCheck's timeout
	replicaAcks    replicaAcks    // WithReplicaAcks
}

// WithURL connects to the server at url: redis://[user:password@]host:port/db
// or rediss:// for TLS, with go-redis's query parameters (pool_size,
// dial_timeout, ...). Without WithURL (or WithClient) the backend connects
// to redis://127.0.0.1:6379/0; an empty url, such as an unset environment
// variable, is an error of New rather than that default.
func WithURL(url string) Option { return func(c *config) { c.url, c.urlGiven = url, true } }

// WithClusterAddrs connects to the Redis Cluster that the seed nodes addrs
// (host:port, at least one; the client finds the other nodes) belong to,
// instead of a server at a URL. A queue's keys live in one hash slot, so on
// one master; spread the load over several queues. The password, pool size
// (per node) and timeouts options apply; WithURL and WithDB (a cluster has
// only database 0) do not, and New refuses them together.
func WithClusterAddrs(addrs ...string) Option {
	return func(c *config) { c.clusterAddrs = append([]string{}, addrs...) }
}

// WithSentinel connects to the master that the Redis Sentinels at addrs
// (host:port, at least one) monitor under masterName, and follows it when
// they fail it over to a replica. The password (of the master), DB, pool
// size and timeouts options apply; New refuses it with WithURL or
// WithClusterAddrs.
func WithSentinel(masterName string, addrs ...string) Option {
	return func(c *config) { c.sentinel = &sentinelConfig{master: masterName, addrs: append([]string{}, addrs...)} }
}

// WithPassword sets the password, overriding one in the URL.
func WithPassword(p string) Option { return func(c *config) { c.password = &p } }

// WithDB selects the database number, overriding the URL's.
func WithDB(db int) Option { return func(c *config) { c.db = &db } }

// WithPoolSize sets the number of connections in the pool (go-redis default:
// 10 per CPU). Blocked Dequeue calls each hold one connection.
func WithPoolSize(n int) Option { return func(c *config) { c.poolSize = n } }

// WithTimeouts sets the dial, read and write timeouts; zero keeps go-redis's
// defaults (5 s, 3 s, 3 s). The read timeout must exceed the block timeout.
func WithTimeouts(dial, read, write time.Duration) Option {
	return func(c *config) { c.dialTimeout, c.readTimeout, c.writeTimeout = dial, read, write }
}

// WithClient uses an application-provided client (a *goredis.Client,
// *goredis.ClusterClient, failover or ring client) instead of dialling one.
// New refuses it with WithURL, WithClusterAddrs or WithSentinel; the
// password, DB, pool size and timeouts are ignored, and Close leaves the
// client open. Unless WithClock is given, the backend adds a
// hook to the client that notes new connections, to read the server's
// clock again after a reconnection.
//
// Create the client with ContextTimeoutEnabled: true, or calls outlast
// their context's deadline by up to the read timeout, and MaxRetries: -1,
// or go-redis re-sends a command whose reply was lost: a script run twice
// may store a job its caller was told had failed, or refuse a worker's
// outcome as if its lease had been lost. The backend dials its own client
// with both. Its scripts are sent marked never to be re-sent, as a
// *goredis.ClusterClient re-sends a command after a lost reply whatever
// its MaxRetries; its few plain commands are not.
func WithClient(client goredis.UniversalClient) Option {
	return func(c *config) { c.client = client }
}

// WithPrefix starts every key with prefix (default DefaultPrefix), so that
// several independent backends can share one server. The prefix may not
// contain braces (hash tags are the backend's).
func WithPrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithClock makes the backend tell time with clock instead of the Redis
// server's clock: execute-at times, lease deadlines, durations, retention
// ages and worker-report expiry, and (through Backend.Clock) the times of
// the pools and clients on the backend. Scripts receive the time as
// arguments, so tests can move it by hand. It is for tests: every process
// sharing the server must use the same clock, or one process takes
// another's leases and runs scheduled jobs early.
func WithClock(clock runtime.Clock) Option { return func(c *config) { c.clock = clock } }

// WithDeadLetterLimit keeps at most n jobs in each queue's dead-letter
// queue (default DefaultDeadLetterLimit), dropping the oldest.
func WithDeadLetterLimit(n int) Option { return func(c *config) { c.deadLimit = n } }

// WithDeadLetterMaxAge drops dead letters that failed longer than d ago
// (default DefaultDeadLetterAge).
func WithDeadLetterMaxAge(d time.Duration) Option { return func(c *config) { c.deadMaxAge = d } }

// WithCompletedLimit keeps the n most recently completed jobs, and the n
// most recently cancelled ones, of each queue findable by ID (default
// DefaultCompletedLimit). With 0 none is kept, as asynq and Sidekiq do by
// default: a job is deleted as it completes or is cancelled, which takes
// about a fifth off the Redis work of each job; it still counts in Stats
// and shows in History. A forgotten job's unique key stays held until its
// TTL passes.
func WithCompletedLimit(n int) Option { return func(c *config) { c.completedLimit = n } }

// WithCompletedMaxAge forgets completed and cancelled jobs that finished
// longer than d ago (default DefaultCompletedAge). They are trimmed as
// jobs finish and by PromoteDue. A forgotten job's unique key stays held
// until its TTL passes.
func WithCompletedMaxAge(d time.Duration) Option { return func(c *config) { c.completedAge = d } }

// WithHistoryLimit keeps the n most recently finished jobs of each job type
// and queue for History (default DefaultHistoryLimit).
func WithHistoryLimit(n int) Option { return func(c *config) { c.historyLimit = n } }

// WithBlockTimeout bounds one blocking wait of Dequeue (default
// DefaultBlockTimeout). It must stay below the client's read timeout.
func WithBlockTimeout(d time.Duration) Option { return func(c *config) { c.blockTimeout = d } }

// WithAllowEviction accepts a server whose maxmemory-policy is not
// noeviction: Preflight (and so the first Enqueue and Dequeue, and
// runtime.Pool.Start) then logs a warning instead of failing with
// ErrEvictionPolicy. Such a server deletes jobs without trace when it
// reaches maxmemory; use it only where losing jobs is acceptable.
func WithAllowEviction() Option { return func(c *config) { c.allowEviction = true } }

// WithLogger sends the backend's warnings (see Preflight) to log (default
// slog.Default(); nil keeps the default). go-redis's own log lines (failed
// dials, connection pool trouble) go to it too, at level Warn (a failover
// client's notes of the sentinel it asked at Debug, of a new master at
// Info), instead of to standard error. go-redis has one logger per process: New sets it, so
// those lines go to the logger of the most recently created Backend; call
// goredis.SetLogger after New to send them elsewhere.
func WithLogger(log *slog.Logger) Option { return func(c *config) { c.log = log } }

// withCluster forces the cluster (two-step enqueue) or standalone (one
// script) key protocol, for tests; by default it follows the client type.
func withCluster(on bool) Option { return func(c *config) { c.cluster = &on } }

// Backend is the Redis runtime.Backend. Create it with New; it is safe for
// concurrent use.
type Backend struct {
	client goredis.UniversalClient
	owned  bool // Close closes client

	prefix          string
	clock           runtime.Clock
	deadLimit       int
	deadMaxAge      time.Duration
	completedLimit  int
	completedMaxAge time.Duration
	historyLimit    int
	blockTimeout    time.Duration
	// cluster is set for Redis Cluster: a script then touches one queue's
	// keys only, and Enqueue claims IDs in the index in a separate step.
	cluster bool

	allowEviction bool        // an evicting server is a warning, not ErrEvictionPolicy
	replicaAcks   replicaAcks // WithReplicaAcks: Enqueue and Ack wait for replicas
	sentinel      string      // the master's name under Sentinel, for messages
	log           *slog.Logger
	preflight     *preflight // the server check of Preflight, once passed

	indexKey      string // hash: job ID -> "<server ms> <queue>"
	queuesKey     string // set of queue names
	workersKey    string // hash: process ID -> worker report
	cancelChannel string // Pub/Sub channel of the IDs of cancelled running jobs
	ticksKey      string // hash: schedule name -> last claimed tick
	schedulesKey  string // hash: schedule name -> ScheduleInfo JSON

	queueCache sync.Map       // queue name -> *queueKeys
	known      sync.Map       // queue names added to queuesKey by this process
	wakeSeq    atomic.Uint64  // numbers the wake-up keys of Dequeue calls
	pokeMu     sync.Mutex     // guards closed, and pokes.Add against Close
	closed     bool           // Close has begun: no more pokes
	pokes      sync.WaitGroup // pokes under way, for Close
	instance   string         // distinguishes this backend's wake-up keys

	lanes    *committer[laneOp, laneResult] // coalesces Ack and Dequeue calls per queue
	enqueues *committer[runtime.Job, error] // coalesces single-job Enqueue calls per queue
}

var _ runtime.Backend = (*Backend)(nil)

// New returns a backend. It dials lazily, as asynq and River do: a server
// that is down shows up as errors of the calls (the first being Preflight's,
// which runtime.Pool.Start runs), not of New, unless WithStartupCheck asks
// New to ping it. New routes go-redis's log lines to the backend's logger
// (see WithLogger).
func New(opts ...Option) (*Backend, error) {
	c := config{
		prefix:         DefaultPrefix,
		deadLimit:      DefaultDeadLetterLimit,
		deadMaxAge:     DefaultDeadLetterAge,
		completedLimit: DefaultCompletedLimit,
		completedAge:   DefaultCompletedAge,
		historyLimit:   DefaultHistoryLimit,
		blockTimeout:   DefaultBlockTimeout,
	}
	for _, o := range opts {
		o(&c)
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.urlGiven && strings.TrimSpace(c.url) == "" && c.client == nil {
		return nil, errors.New(`redis: WithURL(""): the URL is empty (is its environment variable unset?); pass a URL such as redis://127.0.0.1:6379/0, or leave out WithURL for that default`)
	}
	if c.startupCheck != nil && *c.startupCheck <= 0 {
		return nil, fmt.Errorf("redis: WithStartupCheck(%s): the timeout must be positive", *c.startupCheck)
	}
	if c.prefix == "" || strings.ContainsAny(c.prefix, "{}") || c.deadLimit < 1 || c.deadMaxAge <= 0 || c.completedLimit < 0 || c.completedAge <= 0 ||
		c.historyLimit < 1 || c.blockTimeout <= 0 {
		return nil, fmt.Errorf("redis: invalid options: prefix %q (without braces), dead-letter limit %d and age %s, completed limit %d (0 or more) and age %s, history limit %d, block timeout %s must be set and positive",
			c.prefix, c.deadLimit, c.deadMaxAge, c.completedLimit, c.completedAge, c.historyLimit, c.blockTimeout)
	}
	if err := checkServerOptions(c); err != nil {
		return nil, err
	}
	if err := checkReplicaAcks(c); err != nil {
		return nil, err
	}
	b := &Backend{
		client: c.client, prefix: c.prefix, clock: c.clock,
		deadLimit: c.deadLimit, deadMaxAge: c.deadMaxAge, completedLimit: c.completedLimit, completedMaxAge: c.completedAge,
		historyLimit: c.historyLimit, blockTimeout: c.blockTimeout,
		indexKey: c.prefix + ":ids", queuesKey: c.prefix + ":queues", workersKey: c.prefix + ":workers",
		cancelChannel: c.prefix + ":cancel",
		ticksKey:      c.prefix + ":{periodic}:ticks", schedulesKey: c.prefix + ":{periodic}:schedules",
		instance:      uuid.NewString()[:8],
		allowEviction: c.allowEviction, log: c.log, preflight: newPreflight(),
		replicaAcks: c.replicaAcks,
	}
	if c.sentinel != nil {
		b.sentinel = c.sentinel.master
	}
	b.lanes = newCommitter(b.flushLane)
	// Acks and AckDequeues wait for the flush in flight, to go in bigger
	// batches; a Dequeue does not, as its workers are idle until it
	// returns (it takes the calls waiting with it).
	b.lanes.urgent = func(op laneOp) bool { return op.take != nil && op.change == nil }
	// With workers storing outcomes and taking jobs in one call, two
	// flushes in flight kept Redis busy: 50 workers drained 45-48k jobs/s
	// against 40-44k before, with 25% less Go CPU per job; more turns
	// gained nothing.
	b.lanes.turns = 2
	b.lanes.abandoned = b.releaseAbandoned
	b.enqueues = newCommitter(b.flushEnqueues)
	// A second enqueue flush in flight took 8 producers from 48-52k to
	// 54k jobs/s on the bench, for about 10% more Redis CPU per job; more
	// turns cost more CPU and gained nothing.
	b.enqueues.turns = 2
	if b.client == nil {
		client, err := dial(c)
		if err != nil {
			return nil, err
		}
		b.client, b.owned = client, true
	}
	if b.clock == nil {
		clock := &serverClock{client: b.client, key: b.indexKey}
		b.client.AddHook(clock)
		b.clock = clock
	}
	_, b.cluster = b.client.(*goredis.ClusterClient)
	if c.cluster != nil {
		b.cluster = *c.cluster
	}
	goredis.SetLogger(slogAdapter{log: b.log})
	if c.startupCheck != nil {
		if err := b.startupCheck(*c.startupCheck); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// Client returns the underlying go-redis client.
func (b *Backend) Client() goredis.UniversalClient { return b.client }

// Close closes the client if New created it, once the wake-ups under way
// for Dequeue calls whose context ended are done. Calls still in flight,
// such as a blocked Dequeue, then fail; stop the pools first.
func (b *Backend) Close() error {
	b.pokeMu.Lock()
	b.closed = true
	b.pokeMu.Unlock()
	b.pokes.Wait()
	if b.owned {
		return b.client.Close()
	}
	return nil
}

// Ping checks that the server answers.
func (b *Backend) Ping(ctx context.Context) error {
	if err := b.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: ping: %w", err)
	}
	return nil
}
