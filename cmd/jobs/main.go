// Command jobs is the operators' tool for a jobs deployment on Redis: it
// shows queue figures and the dead-letter queue, repairs and cancels jobs,
// pauses queues and serves the admin API and Prometheus metrics.
//
// Usage:
//
//	jobs [global flags] <command> [flags] [arguments]
//
// Commands:
//
//	stats                               totals, queues and live workers
//	queues                              per-queue figures
//	failed [--limit N] [--queue Q] [--type T]
//	                                    newest dead-letter jobs (limit 1-1000, default 20)
//	job ID                              one job in full: args, result, error and stack trace
//	retry ID                            requeue one dead-letter job
//	retry --all-failed [--queue Q] [--type T]
//	                                    requeue every matching dead-letter job
//	cancel ID                           cancel a job that has not finished
//	pause QUEUE | resume QUEUE          stop or restart every worker's taking of QUEUE's jobs
//	serve [--addr A] [--read-only] [--insecure]
//	                                    serve the admin API under /api/admin/ and /metrics
//
// Flags accepted before or after the command:
//
//	--redis-url URL   the Redis deployment (default $JOBS_REDIS_URL, else redis://127.0.0.1:6379/0)
//	--cluster ADDRS   a Redis Cluster instead, by seed addresses host:port,host:port,...
//	                  (default $JOBS_REDIS_CLUSTER)
//	--sentinel MASTER@ADDRS
//	                  the master Redis Sentinels at host:port,... monitor as MASTER instead
//	                  (default $JOBS_REDIS_SENTINEL); one of the three only
//	--prefix P        the backend's key prefix (default $JOBS_REDIS_PREFIX, else the adapter's)
//	--allow-eviction  go on, with a warning, when Redis's maxmemory-policy is not
//	                  noeviction (it may then delete jobs); by default commands refuse such a server
//	--json            print JSON (the admin API's shapes) instead of tables
//
// serve requires a bearer token in $JOBS_ADMIN_TOKEN. Without one it
// refuses to start, unless --insecure is given with a loopback --addr: it
// then lets in local connections only. /metrics needs no token.
//
// Exit codes: 0 success, 1 error, 2 usage error (bad flags or arguments,
// unsafe serve configuration), 3 not found (no such job).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr, connect: connectRedis})
	stop()
	os.Exit(code)
}
