package redis

import (
	"log/slog"
	"time"

	"github.com/jobsgo/jobs"

	goredis "github.com/redis/go-redis/v9"
)

// Defaults of the options.
const (
	DefaultPrefix = "jobs"
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

	prefix        string
	clock         jobs.Clock
	retention     jobs.Retention
	blockTimeout  time.Duration
	cluster       *bool
	allowEviction bool
	log           *slog.Logger
	startupCheck  *time.Duration // WithStartupCheck's timeout
	replicaAcks   replicaAcks    // WithReplicaAcks
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
func WithClock(clock jobs.Clock) Option { return func(c *config) { c.clock = clock } }

// WithDeadLetterLimit keeps at most n jobs in each queue's dead-letter
// queue (default jobs.DefaultDeadLetterLimit; at least 1), dropping the oldest.
func WithDeadLetterLimit(n int) Option { return func(c *config) { c.retention.DeadLetterLimit = n } }

// WithDeadLetterMaxAge drops dead letters that failed longer than d ago
// (default jobs.DefaultDeadLetterMaxAge; positive).
func WithDeadLetterMaxAge(d time.Duration) Option {
	return func(c *config) { c.retention.DeadLetterMaxAge = d }
}

// WithCompletedLimit keeps the n most recently completed jobs, and the n
// most recently cancelled ones, of each queue findable by ID (default
// jobs.DefaultCompletedLimit). With 0 none is kept, as asynq and Sidekiq do by
// default: a job is deleted as it completes or is cancelled, which takes
// about a fifth off the Redis work of each job; it still counts in Stats
// and shows in History. A forgotten job's unique key stays held until its
// TTL passes.
func WithCompletedLimit(n int) Option { return func(c *config) { c.retention.CompletedLimit = n } }

// WithCompletedMaxAge forgets completed and cancelled jobs that finished
// longer than d ago (default jobs.DefaultCompletedMaxAge; positive). They are trimmed as
// jobs finish and by PromoteDue. A forgotten job's unique key stays held
// until its TTL passes.
func WithCompletedMaxAge(d time.Duration) Option {
	return func(c *config) { c.retention.CompletedMaxAge = d }
}

// WithHistoryLimit keeps the n most recently finished jobs of each job type
// and queue for History (default jobs.DefaultHistoryLimit; at least 1).
func WithHistoryLimit(n int) Option { return func(c *config) { c.retention.HistoryLimit = n } }

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
