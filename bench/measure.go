package main

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// server is the client bench reads INFO with.
var server *goredis.Client

// serverCPU and clientCPU are the CPU times per job of the Redis server
// and of this process (where the producers and workers of both systems
// run) in each run of each measured phase, in microseconds, keyed by
// "<system> <phase>".
var serverCPU, clientCPU = map[string][]float64{}, map[string][]float64{}

// cpuMeter measures the CPU time of the Redis server (INFO cpu) and of
// this process (getrusage) over a phase.
type cpuMeter struct{ server, client float64 }

func startCPU() cpuMeter { return cpuMeter{redisCPU(), processCPU()} }

// stop records the CPU times per job since start under key.
func (m cpuMeter) stop(key string, jobs int) {
	server, client := m.since()
	recordCPU(key, server, client, jobs)
}

// since returns the CPU times in seconds of the server and of this process
// since start.
func (m cpuMeter) since() (server, client float64) {
	return redisCPU() - m.server, processCPU() - m.client
}

// recordCPU records server and client CPU seconds spent on jobs jobs, per
// job, under key.
func recordCPU(key string, server, client float64, jobs int) {
	serverCPU[key] = append(serverCPU[key], server*1e6/float64(jobs))
	clientCPU[key] = append(clientCPU[key], client*1e6/float64(jobs))
}

// processCPU is this process's user + system CPU time in seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// redisCPU reads used_cpu_user + used_cpu_sys in seconds.
func redisCPU() float64 {
	info := server.Info(context.Background(), "cpu").Val()
	var sum float64
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_user" || k == "used_cpu_sys") {
			f, _ := strconv.ParseFloat(v, 64)
			sum += f
		}
	}
	return sum
}

// usedMemory reads used_memory from INFO memory.
func usedMemory(rdb *goredis.Client) int64 {
	info := rdb.Info(context.Background(), "memory").Val()
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// unlinkMatching deletes the keys matching pattern.
func unlinkMatching(rdb *goredis.Client, pattern string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, pattern, 5000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 5000 {
			rdb.Unlink(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		rdb.Unlink(ctx, keys...)
	}
}
