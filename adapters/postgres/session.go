package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"time"
)

// resetSession undoes whatever a tenant job may have changed in its
// connection's session, so that the next job, of whatever tenant, starts
// from the connection's defaults: the session user and role, every setting
// (search_path, statement_timeout ...: back to the values the connection
// was opened with), cursors held past the transaction, listened channels,
// session advisory locks, temporary tables and sequence state (lastval).
// It is DISCARD ALL without DEALLOCATE ALL and DISCARD PLANS: the pgx
// driver keeps its own prepared statements on the connection, and their
// plans are no session state a job could leak.
const resetSession = "SET SESSION AUTHORIZATION DEFAULT; RESET ROLE; RESET ALL; CLOSE ALL; UNLISTEN *; " +
	"SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES"

// resetTimeout bounds the reset of a connection after a job.
const resetTimeout = 5 * time.Second

// releaseConn resets the session of conn, whose transaction has ended, and
// returns it to the pool. A connection that cannot be reset (broken, or
// the reset timed out) is closed instead: its state is unknown, and a
// pooled connection must never carry one tenant's session into another's
// job. The job's outcome stands either way, its transaction having ended.
func releaseConn(ctx context.Context, conn *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), resetTimeout)
	defer cancel()
	if _, err := conn.ExecContext(ctx, resetSession); err != nil {
		// driver.ErrBadConn makes database/sql close the connection rather
		// than pool it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = conn.Close()
}
