package main

import (
	"context"
	"log"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/jobsgo/jobs"
	goredis "github.com/redis/go-redis/v9"

	jobsredis "github.com/jobsgo/jobs/adapters/redis"
	"github.com/jobsgo/jobs/runtime"
)

// stubScripts answers every EVALSHA with reply instead of sending it, so
// that a benchmark of Enqueue measures the client's own work (building
// the job, encoding it, the go-redis command) and not the round trip,
// which both systems make once per call on the same go-redis. Other
// commands (start-up checks, SADD of asynq's queue set) go to the server.
type stubScripts struct{ reply int64 }

func (stubScripts) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (s stubScripts) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if cmd.Name() != "evalsha" {
			return next(ctx, cmd)
		}
		switch c := cmd.(type) {
		case interface{ SetVal(any) }:
			c.SetVal(s.reply)
		case interface{ Unwrap() goredis.Cmder }:
			c.Unwrap().(*goredis.Cmd).SetVal(s.reply)
		default:
			log.Fatalf("stubScripts: cannot answer %T", cmd)
		}
		return nil
	}
}

func (stubScripts) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// clientCost is what one Enqueue call costs the calling process with the
// server stubbed: nanoseconds of CPU (one goroutine, so wall time is CPU
// time) and heap allocations.
type clientCost struct{ ns, allocs float64 }

func measureClient(enqueue func() error) clientCost {
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := enqueue(); err != nil {
				b.Fatal(err)
			}
		}
	})
	return clientCost{ns: float64(r.NsPerOp()), allocs: float64(r.AllocsPerOp())}
}

// client measures jobs' Enqueue with the server stubbed.
func (j *jobsBench) client() clientCost {
	opt, err := goredis.ParseURL(j.url)
	if err != nil {
		log.Fatal(err)
	}
	rdb := goredis.NewClient(opt)
	defer rdb.Close()
	j.cleanup(j.rdb)
	b, err := jobsredis.New(jobsredis.WithClient(rdb), jobsredis.WithPrefix("jb:client"))
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	rdb.AddHook(stubScripts{reply: 0})
	c := runtime.NewClient(b)
	ctx := context.Background()
	return measureClient(func() error {
		_, err := c.Enqueue(ctx, "noop", []byte(`{"n":1}`), jobs.WithQueue("bench"))
		return err
	})
}

// client measures asynq's Enqueue with the server stubbed.
func (a *asynqBench) client() clientCost {
	rdb := goredis.NewClient(&goredis.Options{Addr: a.opt.Addr, Password: a.opt.Password, DB: a.opt.DB})
	defer rdb.Close()
	rdb.AddHook(stubScripts{reply: 1})
	c := asynq.NewClientFromRedisClient(rdb)
	return measureClient(func() error {
		_, err := c.Enqueue(a.task(), asynq.Queue("bench"))
		return err
	})
}

// clientRows runs the client phase of both systems (see rounds) and
// returns its rows.
func clientRows(j *jobsBench, a peer) []row {
	res := rounds(j.client, a.client)
	ns := func(c clientCost) float64 { return c.ns }
	allocs := func(c clientCost) float64 { return c.allocs }
	return []row{
		newRow("enqueue client CPU, stubbed (ns)", pick(res[0], ns), pick(res[1], ns), false),
		newRow("allocations per enqueue", pick(res[0], allocs), pick(res[1], allocs), false),
	}
}
