package redis

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// sentinelConfig is the configuration of WithSentinel.
type sentinelConfig struct {
	master string   // the name the sentinels monitor the master under
	addrs  []string // the sentinels' host:port
}

// errConflictingServers is the error of New given more than one way to
// reach the server.
var errConflictingServers = errors.New("redis: conflicting options")

// checkServerOptions refuses options that name more than one deployment, or
// that the chosen deployment cannot honour.
func checkServerOptions(c config) error {
	var chosen []string
	if c.url != "" {
		chosen = append(chosen, "WithURL")
	}
	if c.clusterAddrs != nil {
		chosen = append(chosen, "WithClusterAddrs")
	}
	if c.sentinel != nil {
		chosen = append(chosen, "WithSentinel")
	}
	if c.client != nil {
		chosen = append(chosen, "WithClient")
	}
	if len(chosen) > 1 {
		return fmt.Errorf("%w: %v each name the server; give one", errConflictingServers, chosen)
	}
	if c.clusterAddrs != nil {
		if len(c.clusterAddrs) == 0 {
			return fmt.Errorf("redis: WithClusterAddrs needs at least one seed address (host:port)")
		}
		if c.db != nil && *c.db != 0 {
			return fmt.Errorf("%w: WithDB(%d) with WithClusterAddrs: Redis Cluster has only database 0", errConflictingServers, *c.db)
		}
	}
	if s := c.sentinel; s != nil && (s.master == "" || len(s.addrs) == 0) {
		return fmt.Errorf("redis: WithSentinel needs the master's name and at least one sentinel address (got %q, %v)", s.master, s.addrs)
	}
	return nil
}

// dial creates a client from the connection options: a cluster client with
// WithClusterAddrs, a failover client with WithSentinel, else a client of
// the server at the URL.
func dial(c config) (goredis.UniversalClient, error) {
	switch {
	case c.clusterAddrs != nil:
		o := &goredis.ClusterOptions{Addrs: c.clusterAddrs, PoolSize: c.poolSize,
			DialTimeout: c.dialTimeout, ReadTimeout: c.readTimeout, WriteTimeout: c.writeTimeout,
			ContextTimeoutEnabled: true, MaxRetries: -1}
		if c.password != nil {
			o.Password = *c.password
		}
		return goredis.NewClusterClient(o), nil
	case c.sentinel != nil:
		o := &goredis.FailoverOptions{MasterName: c.sentinel.master, SentinelAddrs: c.sentinel.addrs, PoolSize: c.poolSize,
			DialTimeout: c.dialTimeout, ReadTimeout: c.readTimeout, WriteTimeout: c.writeTimeout,
			ContextTimeoutEnabled: true, MaxRetries: -1}
		if c.password != nil {
			o.Password = *c.password
		}
		if c.db != nil {
			o.DB = *c.db
		}
		return goredis.NewFailoverClient(o), nil
	}
	url := c.url
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	o, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: parse URL: %w", err)
	}
	if c.password != nil {
		o.Password = *c.password
	}
	if c.db != nil {
		o.DB = *c.db
	}
	if c.poolSize > 0 {
		o.PoolSize = c.poolSize
	}
	if c.dialTimeout > 0 {
		o.DialTimeout = c.dialTimeout
	}
	if c.readTimeout > 0 {
		o.ReadTimeout = c.readTimeout
	}
	if c.writeTimeout > 0 {
		o.WriteTimeout = c.writeTimeout
	}
	configure(o)
	return goredis.NewClient(o), nil
}

// configure sets the go-redis options the backend's guarantees rest on
// (see WithClient): socket I/O ends at the context's deadline, and a
// command whose reply was lost is never sent again, since a script run
// twice would apply its change twice (store a job the caller is told
// failed, acknowledge a job then find its lease gone).
func configure(o *goredis.Options) {
	o.ContextTimeoutEnabled = true
	o.MaxRetries = -1
}

// failoverAddr is what a failover client (WithSentinel) shows as its
// address (goredis.Options.Addr).
const failoverAddr = "FailoverClient"

// serverAddr names the server that c talks to: its address or, for a
// failover client, the address of the master it found through the
// sentinels (the server's end of a connection, from CLIENT INFO).
func (b *Backend) serverAddr(ctx context.Context, c *goredis.Client) string {
	addr := c.Options().Addr
	if addr != failoverAddr {
		return addr
	}
	name := "the master " + b.sentinel + " (found through Sentinel)"
	if info, err := c.ClientInfo(ctx).Result(); err == nil && info.LAddr != "" {
		return info.LAddr + ", " + name
	}
	return name
}
