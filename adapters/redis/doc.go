// Package redis is the production jobs.Backend on Redis (go-redis v9):
// crash-safe, shared by any number of processes, Redis Cluster compatible.
//
// # Key layout
//
// Every key starts with the prefix (WithPrefix, default "jobs"). Each queue
// has its own hash tag, so all of a queue's keys live in one cluster slot
// and one Lua script can change them atomically:
//
//	<p>:{<queue>}:j:<id>     hash   one job: d (static JSON: type, args, metadata,
//	                                tenant, retry policy, timeout, created-at,
//	                                unique key), s state, p priority 1-4, a attempt,
//	                                x execute-at, st started-at, fi finished-at,
//	                                l lease deadline (times in unix ns), r result,
//	                                e error JSON, rf refunded attempts, al the
//	                                attempt that runs alone (Isolate), h the attempt
//	                                log (JSON; absent when a completed job's own
//	                                fields imply it: one attempt, no error), raw (a
//	                                quarantined job's unreadable fields as stored,
//	                                JSON field -> value); an empty field is the
//	                                same as an absent one
//	<p>:{<queue>}:p1 .. p4   list   pending IDs per priority (p4 = critical), FIFO
//	<p>:{<queue>}:sched      zset   scheduled IDs by execute-at (unix µs)
//	<p>:{<queue>}:retry      zset   retrying IDs by execute-at (unix µs)
//	<p>:{<queue>}:lease      zset   running IDs by lease deadline (unix µs)
//	<p>:{<queue>}:wake       zset   wake-up marker (one member) blocked workers BZPOPMIN
//	<p>:{<queue>}:w:<call>   zset   wake-up key of one blocked Dequeue, for ctx cancellation
//	<p>:{<queue>}:live:<call> string set while a blocked Dequeue's process runs: renewed every
//	                                100 ms, expires 300 ms after the last renewal; the take
//	                                pipelined behind the wait leases nothing without it
//	<p>:{<queue>}:dead       zset   dead-letter IDs by finish time (capped by count and age)
//	<p>:{<queue>}:done       zset   completed IDs by finish time (capped by count and age)
//	<p>:{<queue>}:cancelled  zset   cancelled IDs by finish time (capped by count and age)
//	<p>:{<queue>}:paused     string "1" while the queue is paused (PauseQueue)
//	<p>:{<queue>}:h:<type>   list   history: JSON snapshots of the last finished jobs of a type;
//	                                args and a result over 1 KiB are left out (named in the
//	                                snapshot's "omitted") and read from the job hash by History
//	<p>:{<queue>}:stats      hash   processed, succeeded, failed, timed, dur_ns counters
//	<p>:{<queue>}:tp         string per-minute counters, 1500 minutes of (minute, processed, failed),
//	                                u32 each, written with BITFIELD (see lua/lib.lua); expires 25
//	                                hours after the last minute it started
//	<p>:{<queue>}:wt         string per-minute wait histograms of the jobs started, 64 minutes of
//	                                (minute, 48 bucket counts), u32 each; expires likewise
//	<p>:{<queue>}:gone       list   (cluster only) IDs of trimmed jobs, for the index clean-up
//	<p>:ids                  hash   ID index: chosen job ID -> "<server ms> <queue>"
//	<p>:queues               set    names of the queues ever enqueued into
//	<p>:workers              hash   process ID -> worker report JSON (expiry by the clock)
//	<p>:u:{<p>:ids}:<key>    string holder of unique key <key>: "<job ID> <queue> <until
//	                                unix ns, or 0: held while the job is active>",
//	                                with PX until then when it has a TTL
//	<p>:{periodic}:ticks     hash   schedule name -> last claimed tick (sortable string)
//	<p>:{periodic}:schedules hash   schedule name -> ScheduleInfo JSON of that claim
//	<p>:cancel               Pub/Sub channel: IDs of running jobs as they are cancelled
//
// Job IDs are unique across queues. A caller-chosen ID (jobs.WithJobID)
// goes in the ID index, which finds its job's queue for Job, Cancel, Delete
// and RetryDeadLetter and makes Enqueue refuse the ID in use anywhere. An
// ID that NewJob generated (jobs.GeneratedIDForm: a version-7 UUID) is
// unique by construction: it skips the index, which saves a bulk Enqueue a
// quarter of its Redis time and each pending job 120 bytes; Enqueue checks it
// in its own queue only, and the calls that take an ID alone find its job
// by looking in every queue, in one pipeline. A unique job's ID is indexed
// whatever its form. Completed and cancelled jobs stay findable (and their
// IDs taken) until the completed caps (count and age, WithCompletedLimit
// and WithCompletedMaxAge) trim them, as jobs finish and in PromoteDue.
//
// # Unique jobs
//
// A unique job's key (jobs.Unique) is global like its ID: per job type,
// across queues. Its holder string lives in the ID index's hash slot. On a
// standalone server enqueue.lua checks and takes the keys in the script
// that stores the jobs (a holder without TTL holds while its job is
// active, which the script reads), and move.lua frees a key when its
// holder completes, fails or is cancelled (no TTL) or is deleted (any
// TTL), and takes it back when a dead letter is requeued and the key is
// free. On Redis Cluster claim.lua claims unique keys with the IDs (all or
// none; a holder without TTL whose job is no longer active, and not an
// enqueue in flight, is replaced), and unique.lua frees and retakes keys
// right after move.lua; a key left by a process that died in between is
// replaced by the next claim once its holder is inactive. Redis expires a
// holder string with a TTL by itself; until then the scripts compare its
// deadline with the backend's clock.
//
// # Scripts
//
// Every change that touches more than one key is one Lua script under lua/
// (embedded, run with EVALSHA). Each file's header documents its KEYS and
// ARGV; lua/lib.lua holds the KEYS layout and the helpers shared by the
// queue scripts, and lua/lib_*.lua the helpers only some of them take (a
// script's fixed cost per call grows with the helpers it defines). Both
// layouts are written once, in Go: keySlots (keys.go) names the queue
// scripts' KEYS, and an argLayout per script (argv.go, args.go,
// args_path.go) names its ARGV, which a small builder type per script
// fills in that order; each script names them as constants (KEYS[K_LEASE],
// ARGV[A_NOW_US], ARGV[o + J_ID]), which scripts.go writes in as numbers
// when it builds the script (with its comments left out), and no script
// addresses a key or an argument by number (the tests check it). Scripts take the time as arguments (the
// backend's clock, see Time) rather than calling TIME, so tests can move time by hand; only
// the scripts that lease jobs read TIME, and only on the server's clock (see Time).
// Scripts never fail half-way on bad data: a job hash that is missing,
// of the wrong type or with unreadable fields is turned into a failed job
// with error type corrupt_job in the dead-letter queue, wherever a script
// or the Go code meets it (Dequeue, PromoteDue, RecoverExpired). This
// quarantine keeps the fields that can be read (the static JSON d among
// them), gives the others sane values (attempt 0, ...) and keeps them as
// stored in field raw, which reads return as jobs.Job.Raw: Job,
// DeadLetters and ListJobs read such a job, RetryDeadLetter requeues it
// unless its type or arguments are lost, and Delete removes it. Redis
// does not undo what a failing script wrote, so before its first write
// every script that writes more than one key checks that each key it may
// write has its type or does not exist (one TYPE per key and call, see
// check_keys in lib.lua); a key of another type (a queue's stats hash set
// to a string, say) fails the call with a WRONGTYPE error that names the
// key, having changed nothing. The short paths of single-job enqueues
// (enqueue_one.lua and enqueue_list.lua, see Round trips) get the same
// result without TYPE calls, from the order of their writes: the first
// write fails harmlessly on a key of another type, and a later one that
// fails takes the earlier ones back. Repair moves such keys aside and puts the queue's jobs back in
// place.
//
// # Time
//
// Every process decides on one clock, the Redis server's: lease deadlines
// and their expiry, execute-at times of scheduled and retrying jobs (RunIn
// included), periodic ticks, worker-report expiry and the ages that trim
// dead letters and completed jobs. The backend reads TIME on first use
// (the shortest of three round trips) and again every 15 s and after the
// client opens a connection, and follows it in between with this host's
// monotonic clock: no round trip per reading, and the host's wall clock,
// however wrong or stepped, plays no part. The reading lags the server's
// clock by at most that round trip and is never ahead of it, so no lease
// is recovered and no job promoted early. Backend.Clock hands the clock
// to the runtime (jobs.TimeSource): pools and clients stamp, lease,
// retry and tick with it. PromoteDue, RecoverExpired and Dequeue fail,
// rather than decide on the host's clock, while TIME was never read. On
// Redis Cluster TIME is read from the master of the ID index's slot.
// WithClock replaces the server's clock, for tests.
//
// A lease runs its full length from when the server hands it out or
// extends it, not from when the caller sent the call: a call that reaches
// the server late (a frozen server, a retry after a reconnection, a wait
// for a group-commit turn) would otherwise store a deadline already past,
// and RecoverExpired would take back a job its worker has just started.
// On the server's clock, dequeue.lua, cycle.lua and extend.lua read TIME
// once per call and, when it is later than the caller's now, move the
// lease's start and deadline on by the difference (lease_times in
// lua/lib.lua); Dequeue and AckDequeue return jobs with the started-at and
// deadline stored. On Redis Cluster the queue's master may read a clock
// other than the index's: the later of the two counts, so a lease is never
// shorter than asked. Reading TIME once per call cost 1.6k-4.2k more
// instructions per job of about 200k-215k (1-2%) in worker cycles of 20
// jobs (BenchmarkServerCost/cycle against a server under callgrind).
// Under WithClock the scripts take the times as given.
//
// # Round trips
//
// Concurrent calls of one queue share script calls (group commit, no
// timer): single-job Enqueues go together, up to two batches in flight.
// A lone Enqueue of a job whose ID the runtime Client generated for it
// (jobs.Job.FreshID), due at once, comes in through EnqueueOne
// (jobs.SingleEnqueuer) and runs enqueue_one.lua: three writes, no look
// for the ID, a hash of three fields (d, s, p), and one argument (d): the
// ID and priority are read off the keys. Other jobs
// that all go to one list (pending with one priority, or all
// scheduled) and have generated IDs and no unique keys, up to 1,000 (a
// lone call, a group commit of such calls, a bulk Enqueue), are stored by
// enqueue_list.lua, which passes only the keys and arguments those jobs
// need; it arms the wake-up marker only when the list was empty, since
// the worker it woke arms it again for the jobs it leaves behind (a worker
// that died between the two leaves them to the next timed-out wait,
// within the block timeout). Other enqueues run enqueue.lua. A worker that finishes a job stores its outcome and leases its next job
// in one call (AckDequeue, as BullMQ's moveToFinished does); such calls
// and plain Acks wait for a free turn (two per queue) and go together, so
// that one cycle.lua call stores every outcome of the batch and leases a
// job for each of its workers. A Dequeue (workers idle) does not wait: it
// takes the calls waiting at that moment with it. A Dequeue that found
// nothing blocks on the wake-up marker with wait_take.lua pipelined behind
// the BZPOPMIN, so that the job that ends the wait comes back in the same
// round trip. The server runs that take the moment the wait ends, whether
// or not the process that waits still runs, so it leases only while the
// call's live key shows that the process renewed it in the last 300 ms;
// otherwise it takes nothing and passes the wake-up on (a process stopped
// with SIGSTOP or a VM pause has no job leased to it once that time has
// passed). fn_move.lua and
// fn_dequeue.lua hold the two halves, which move.lua and dequeue.lua also
// run alone.
//
// On a standalone (or Sentinel) server, enqueue.lua claims the IDs in the
// ID index and stores the jobs in one call, and the trimming scripts drop
// trimmed IDs from the index themselves. On Redis Cluster (a
// *goredis.ClusterClient), where a script may only touch one slot, Enqueue
// first claims the IDs with claim.lua (all or none), then stores each
// queue's jobs with enqueue.lua; trimmed IDs are queued in the gone list and
// dropped from the index by PromoteDue. An index entry that names no job
// (an enqueue that died between the two steps) is replaced by the next
// claim of its ID once it is ten seconds old.
//
// # Guarantees
//
// Delivery is at least once. Dequeue leases jobs: their IDs sit in the
// lease zset until Ack, and a job whose worker died (SIGKILL included) is
// recovered by RecoverExpired once its lease passes. The attempt counts
// only when the job ran alone (Isolate, isolate.lua, stored field al equal
// to the attempt); any other job gets it refunded (field rf + 1) and, as a
// suspect, runs alone next time. The attempt number never goes back on a
// refund, and Ack, ExtendLeases and Isolate are fenced on it, so a worker
// whose lease was lost cannot overwrite a newer attempt's outcome.
//
// Enqueue of jobs of one queue is all or none. Jobs of several queues are
// claimed all or none, then stored by one script per queue in a single
// pipeline; should the connection fail between those scripts, the queues
// whose script ran keep their jobs and Enqueue returns an unknown outcome
// (below).
//
// Dequeue never polls: when nothing is pending it blocks on the queue's
// wake-up marker, which every enqueue, promotion and release arms, so an
// idle worker starts a new job within a round trip or two. The wait is
// bounded by WithBlockTimeout and by the next execute-at time (Dequeue also
// promotes its queue's due jobs), and a cancelled context wakes it at once.
//
// Cancelling a running job (Cancel) stores it cancelled and drops its
// lease in move.lua, which also PUBLISHes its ID on <p>:cancel; every
// process's pool hears it through CancelledJobs and cancels the handler.
// The old worker's Ack then fails with jobs.ErrLeaseLost.
//
// PauseQueue sets the queue's paused key, which dequeue.lua checks before
// taking jobs, so workers of every process take nothing; ResumeQueue
// deletes it and arms the wake-up marker. ListJobs reads windows of one
// list or zset positioned by LPOS or ZRANK of the cursor's job, and the
// bulk dead-letter repairs work through windows of 500 jobs, one script
// call each.
//
// # Deployments
//
// New dials the deployment its options name: a server at a URL (WithURL,
// the default), a Redis Cluster by seed addresses (WithClusterAddrs: a
// *goredis.ClusterClient and the cluster key protocol above), or the master
// that Redis Sentinels monitor (WithSentinel: a go-redis failover client,
// which follows the master across failovers). It refuses two of them, or
// one with WithClient. The conformance and admin suites run on a real
// cluster of 3 masters and 3 replicas and under Sentinel.
//
// A script that the server refuses before running it (TRYAGAIN while its
// queue's slot migrates and the queue's keys are split between two
// masters, CLUSTERDOWN, MASTERDOWN, LOADING, READONLY) is sent again with
// a growing pause for up to 5 s; MOVED and ASK are followed by go-redis.
// Scripts and the few non-idempotent plain writes are never re-sent after
// a lost reply. Replication is asynchronous: a failover loses what the old
// master had not yet sent to the promoted replica, unless WithReplicaAcks
// makes enqueues and outcomes wait for replicas (WAIT). The tests reshard a
// busy queue's slot and fail masters over under load on private servers
// (reshard_test.go, failover_test.go).
//
// # Server configuration
//
// The server must not evict keys: Preflight reads its maxmemory-policy
// (CONFIG GET, or INFO where CONFIG is disabled; every master of a
// cluster) and fails with ErrEvictionPolicy unless it is noeviction or
// WithAllowEviction accepts the risk (a warning). A server that persists
// nothing (no AOF, no RDB save points) is a warning. Enqueue and Dequeue
// run Preflight until it has passed once, and runtime.Pool.Start runs it
// (jobs.Preflighter); New needs no network unless WithStartupCheck asks
// it to ping the server. A server that cannot be reached fails Preflight
// with ErrUnreachable, naming its address, within the context's deadline
// or DefaultCheckTimeout. WithURL("") (an unset environment variable) is
// an error of New, not the default address. go-redis's own log lines go
// to the backend's logger (WithLogger) rather than to standard error.
//
// # A full Redis
//
// Out of memory (maxmemory reached under the noeviction policy), Redis
// refuses a script's deny-oom commands (HSET, SET, ZADD, RPUSH, ...) until
// the script's first write, and allows them after it. The scripts are plain
// EVAL scripts (no #!lua flags), and each orders its writes by that rule
// (lua/lib.lua says which begins how):
//
//   - Enqueue is refused whole, storing nothing; its error matches
//     ErrOutOfMemory (errors.Is). Periodic ticks are not claimed either.
//   - Everything that settles or frees a job succeeds: Ack and AckDequeue
//     (every outcome, release included), RecoverExpired, ExtendLeases,
//     Cancel, Delete, RetryDeadLetter and the bulk repairs, PromoteDue and
//     the trims of dead letters and finished jobs, PauseQueue and
//     ResumeQueue, ReportWorkers, and the wake-up of a Dequeue whose
//     context is cancelled. Their first write removes something (ZREM,
//     LREM, DEL, HDEL), and the rest goes past maxmemory.
//   - Dequeue still leases jobs, as their outcomes can be stored, so
//     workers drain a full Redis: each job runs once and is settled.
//
// A drained job stays in Redis while the completed caps keep it
// (WithCompletedLimit, default 10,000; WithCompletedMaxAge): until they
// trim, draining goes past maxmemory by what each settled job adds (its
// times, result and completed-set entry: about 500 bytes per job in
// TestFullRedisDrains). Trims run with every outcome, and once they drop
// jobs Redis falls below maxmemory and Enqueue works again.
//
// # Deadlines and unknown outcomes
//
// Every call returns by its context's deadline: the client New dials has
// go-redis's ContextTimeoutEnabled (socket I/O ends at the deadline) and
// MaxRetries -1 (a command whose reply was lost is not sent again, which
// would run a script twice); give a client of WithClient both. A
// coalesced call (see Round trips) with a deadline has its flush run on
// another goroutine (a shared one, or its own) and returns at the deadline
// even while the round trip hangs; the flush ends by the read timeout.
// Jobs that it leased for a Dequeue or AckDequeue whose caller left are
// handed back to their queue.
//
// A failure after a request was written (a read timeout, a connection
// lost, a shared flush left in flight) leaves its outcome unknown: Enqueue
// (and Ack) then return a *jobs.UnknownOutcomeError naming the jobs,
// matching jobs.ErrOutcomeUnknown. Failures before the write (a context
// done, no connection from the pool, a dial error) are not. Retry such an
// enqueue with the same job IDs (jobs.WithJobID): it stores the jobs
// or fails with jobs.ErrDuplicateJob, meaning the first one did. On
// Redis Cluster, and for a batch over several queues, the IDs are claimed
// first, and a claim whose answer was lost refuses their retries with
// ErrDuplicateJob for ten seconds although no job was stored: there, check
// with Job.
//
// When Redis is unreachable every method returns an error wrapping the
// client's, prefixed with "redis:"; nothing acknowledged is lost. The pool
// retries the outcome of a finished job until its lease runs out; a job
// whose outcome could not be stored by then is recovered once its lease
// expires, as if its worker had died.
package redis
