package redis

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/jobsgo/jobs/internal/testenv"
	"github.com/jobsgo/jobs/runtime/backendtest"
)

// TestCancelledJobsReconnects cuts every connection of the subscriber's
// client under an open CancelledJobs channel: the client subscribes again
// by itself and later cancels are still delivered.
func TestCancelledJobsReconnects(t *testing.T) {
	clock := backendtest.NewClock(backendtest.Start)
	writer := newTestBackend(t, clock)
	opts, err := goredis.ParseURL(testenv.RedisURL(t))
	must(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	opts.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
		return c, err
	}
	client := goredis.NewClient(opts)
	defer client.Close()
	reader, err := New(WithClient(client), WithPrefix(writer.prefix), WithClock(clock))
	must(t, err)
	ctx := t.Context()
	ids, err := reader.CancelledJobs(ctx)
	must(t, err)

	cancelRunning := func(id string) {
		t.Helper()
		must(t, writer.Enqueue(ctx, job(t, clock, id, "q")))
		dequeue(t, writer, "q", 1)
		_, err := writer.Cancel(ctx, id)
		must(t, err)
		select {
		case got := <-ids:
			if got != id {
				t.Fatalf("got %s, want %s", got, id)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s was not delivered", id)
		}
	}
	cancelRunning("before")
	mu.Lock()
	for _, c := range conns {
		c.Close()
	}
	mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := writer.client.PubSubNumSub(ctx, writer.cancelChannel).Val()[writer.cancelChannel]
		mu.Lock()
		redialed := len(conns) > 1
		mu.Unlock()
		if n == 1 && redialed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscriber did not come back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancelRunning("after")
}
