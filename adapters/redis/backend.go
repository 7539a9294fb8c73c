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

	"github.com/jobsgo/jobs"
	"github.com/jobsgo/jobs/adapters/redis/internal/groupcommit"
)

// Backend is the Redis jobs.Backend. Create it with New; it is safe for
// concurrent use.
type Backend struct {
	client goredis.UniversalClient
	owned  bool // Close closes client

	prefix       string
	clock        jobs.Clock
	retention    jobs.Retention // what is kept of finished jobs, per queue
	blockTimeout time.Duration
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
	live       liveKeys       // live keys of the Dequeue calls waiting, renewed together

	lanes    *groupcommit.Committer[laneOp, laneResult] // coalesces Ack and Dequeue calls per queue
	enqueues *groupcommit.Committer[jobs.Job, error]    // coalesces single-job Enqueue calls per queue
}

var _ jobs.Backend = (*Backend)(nil)

// New returns a backend. It dials lazily, as asynq and River do: a server
// that is down shows up as errors of the calls (the first being Preflight's,
// which runtime.Pool.Start runs), not of New, unless WithStartupCheck asks
// New to ping it. New routes go-redis's log lines to the backend's logger
// (see WithLogger).
func New(opts ...Option) (*Backend, error) {
	c := config{
		prefix:       DefaultPrefix,
		retention:    jobs.DefaultRetention(),
		blockTimeout: DefaultBlockTimeout,
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
	if err := c.retention.Validate(); err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	if c.prefix == "" || strings.ContainsAny(c.prefix, "{}") {
		return nil, fmt.Errorf("redis: %w: prefix %q (WithPrefix) must be set and hold no braces", jobs.ErrInvalidOption, c.prefix)
	}
	if c.blockTimeout <= 0 {
		return nil, fmt.Errorf("redis: %w: block timeout (WithBlockTimeout) is %s, must be positive", jobs.ErrInvalidOption, c.blockTimeout)
	}
	if err := checkServerOptions(c); err != nil {
		return nil, err
	}
	if err := checkReplicaAcks(c); err != nil {
		return nil, err
	}
	b := &Backend{
		client: c.client, prefix: c.prefix, clock: c.clock,
		retention: c.retention, blockTimeout: c.blockTimeout,
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
	b.lanes = groupcommit.New(b.flushLane)
	// Acks and AckDequeues wait for the flush in flight, to go in bigger
	// batches; a Dequeue does not, as its workers are idle until it
	// returns (it takes the calls waiting with it).
	b.lanes.Urgent = func(op laneOp) bool { return op.take != nil && op.change == nil }
	// With workers storing outcomes and taking jobs in one call, two
	// flushes in flight kept Redis busy: 50 workers drained 45-48k jobs/s
	// against 40-44k before, with 25% less Go CPU per job; more turns
	// gained nothing.
	b.lanes.Turns = 2
	b.lanes.Abandoned = b.releaseAbandoned
	b.enqueues = groupcommit.New(b.flushEnqueues)
	b.enqueues.FlushOne = b.flushEnqueue
	// A second enqueue flush in flight took 8 producers from 48-52k to
	// 54k jobs/s on the bench, for about 10% more Redis CPU per job; more
	// turns cost more CPU and gained nothing.
	b.enqueues.Turns = 2
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
