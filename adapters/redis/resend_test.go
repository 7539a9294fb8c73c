package redis

import (
	"testing"
	"time"

	"github.com/jobsgo/jobs/internal/testenv"
)

// slowIncr increments KEYS[1], then keeps the server busy for ARGV[1] ms.
var slowIncr = newScript(`
redis.call('INCR', KEYS[1])
local t = redis.call('TIME')
local stop = t[1] * 1000 + t[2] / 1000 + tonumber(ARGV[1])
repeat t = redis.call('TIME') until t[1] * 1000 + t[2] / 1000 >= stop
return 1`)

// TestClusterNeverResendsAScript: a script whose reply times out is not
// sent again by the cluster client (go-redis's redirect loop re-sent it
// after the read timeout, and it ran twice while its caller was told it
// failed).
func TestClusterNeverResendsAScript(t *testing.T) {
	b := newTestBackendOn(t, nil, []Option{WithClusterAddrs(testenv.RedisCluster(t)...), WithTimeouts(0, 50*time.Millisecond, 0)})
	key := b.prefix + ":{resend}:n"
	ctx := t.Context()
	must(t, b.client.ScriptLoad(ctx, slowIncr.src).Err()) // on every master
	err := slowIncr.Run(ctx, b.client, []string{key}, 200).Err()
	t.Logf("the slow script's error: %v", err)
	time.Sleep(1500 * time.Millisecond) // every copy sent has run
	if n, err := b.client.Get(ctx, key).Int(); err != nil || n != 1 {
		t.Fatalf("the script ran %d times (%v); want once", n, err)
	}
}
