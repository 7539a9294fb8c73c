# Sourced by scripts/test and scripts/demo: installs, starts and stops the
# Redis (standalone, a 3+3 node Redis Cluster, a Sentinel set) and PostgreSQL
# servers the integration tests use. Each start picks a
# free loopback port and a fresh data directory, so it never touches a server
# already running on the machine.

services_dir=""

# need_root_install PKG...: apt-get install, failing clearly when not root.
need_root_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "services: $* missing and not root; install it (apt-get install $*) or run as root" >&2
    return 1
  fi
  if [ -z "${services_apt_updated:-}" ]; then
    apt-get update -qq >/dev/null
    services_apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# port_used PORT: whether something listens on the loopback PORT.
port_used() {
  (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port START: the first port from START up that nothing listens on.
free_port() {
  local p=$1
  while port_used "$p"; do p=$((p + 1)); done
  echo "$p"
}

# free_cluster_port START: the first port P from START up such that nothing
# listens on P nor on its cluster bus port P+10000.
free_cluster_port() {
  local p=$1
  while port_used "$p" || port_used $((p + 10000)); do p=$((p + 1)); done
  echo "$p"
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_for() {
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "services: timed out waiting for: $*" >&2
      return 1
    fi
    sleep 0.1
  done
}

start_redis() {
  command -v redis-server >/dev/null || need_root_install redis-server
  local port
  port=$(free_port 6390)
  mkdir -p "$services_dir/redis"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$services_dir/redis" --daemonize yes \
    --pidfile "$services_dir/redis/redis.pid" --logfile "$services_dir/redis/redis.log"
  wait_for 10 redis-cli -p "$port" ping
  export JOBS_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
  echo "services: redis-server $(redis-server --version | awk '{print $3}') on $JOBS_TEST_REDIS_URL"
}

# redis_node DIR PORT ARGS...: starts a daemonized redis-server on the
# loopback PORT with its files in DIR (created). A master syncs a new
# replica at once (no 5 s diskless sync delay).
redis_node() {
  local dir=$1 port=$2
  shift 2
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --repl-diskless-sync-delay 0 \
    --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@"
}

# cluster_ok PORT...: whether every node reports cluster_state:ok.
cluster_ok() {
  local p
  for p in "$@"; do
    redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

# start_redis_cluster: a Redis Cluster of 3 masters and 3 replicas, for the
# tests on a real cluster (JOBS_TEST_REDIS_CLUSTER: its seed addresses).
start_redis_cluster() {
  local ports=() addrs=() p=7101 i
  for i in 1 2 3 4 5 6; do
    p=$(free_cluster_port "$p")
    ports+=("$p")
    addrs+=("127.0.0.1:$p")
    redis_node "$services_dir/cluster/$p" "$p" --cluster-enabled yes \
      --cluster-config-file nodes.conf --cluster-node-timeout 2000
    p=$((p + 1))
  done
  for p in "${ports[@]}"; do wait_for 10 redis-cli -p "$p" ping; done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$services_dir/cluster/create.log" 2>&1 ||
    { cat "$services_dir/cluster/create.log" >&2; return 1; }
  wait_for 20 cluster_ok "${ports[@]}"
  JOBS_TEST_REDIS_CLUSTER=$(IFS=,; echo "${addrs[*]}")
  export JOBS_TEST_REDIS_CLUSTER
  echo "services: Redis Cluster (3 masters, 3 replicas) on $JOBS_TEST_REDIS_CLUSTER"
}

# sentinel_ready MASTER REPLICA SENTINEL...: whether every sentinel names
# MASTER as the master jobs and knows REPLICA as its replica, up, and
# REPLICA's link to MASTER is up: a failover then has a replica to
# promote, and the replica has the master's data.
sentinel_ready() {
  local master=$1 replica=$2 p
  shift 2
  redis-cli -p "$replica" info replication 2>/dev/null | grep -q '^master_link_status:up' || return 1
  for p in "$@"; do
    [ "$(redis-cli -p "$p" sentinel get-master-addr-by-name jobs 2>/dev/null | tr '\n' ' ')" = "127.0.0.1 $master " ] || return 1
    redis-cli -p "$p" sentinel replicas jobs 2>/dev/null | tr '\n' ' ' |
      grep -Eq "port $replica .*flags slave( |$)" || return 1
  done
}

# start_redis_sentinel: a master, its replica and 3 sentinels monitoring it
# as "jobs" with a quorum of 2, for the tests under Sentinel
# (JOBS_TEST_REDIS_SENTINEL: jobs@<sentinel addresses>).
start_redis_sentinel() {
  local dir=$services_dir/sentinel master replica p addrs=() ports=() i
  master=$(free_port 7201)
  redis_node "$dir/master" "$master"
  replica=$(free_port $((master + 1)))
  redis_node "$dir/replica" "$replica" --replicaof 127.0.0.1 "$master"
  p=$((replica + 1))
  for i in 1 2 3; do
    p=$(free_port "$p")
    mkdir -p "$dir/s$p"
    # A sentinel rewrites its configuration file: each has its own.
    printf '%s\n' "port $p" "bind 127.0.0.1" "daemonize yes" "dir $dir/s$p" \
      "pidfile $dir/s$p/redis.pid" "logfile $dir/s$p/redis.log" \
      "sentinel monitor jobs 127.0.0.1 $master 2" \
      "sentinel down-after-milliseconds jobs 1000" \
      "sentinel failover-timeout jobs 5000" >"$dir/s$p/sentinel.conf"
    redis-server "$dir/s$p/sentinel.conf" --sentinel
    ports+=("$p")
    addrs+=("127.0.0.1:$p")
    p=$((p + 1))
  done
  wait_for 10 redis-cli -p "$replica" ping
  # The sentinels learn of the replica from the master's INFO, which they
  # read every 10 s.
  wait_for 30 sentinel_ready "$master" "$replica" "${ports[@]}"
  JOBS_TEST_REDIS_SENTINEL=jobs@$(IFS=,; echo "${addrs[*]}")
  export JOBS_TEST_REDIS_SENTINEL
  echo "services: Redis Sentinel (master 127.0.0.1:$master, replica 127.0.0.1:$replica) on $JOBS_TEST_REDIS_SENTINEL"
}

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

start_postgres() {
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || need_root_install postgresql
  local bin port data run_as=()
  bin=$(pg_bin)
  port=$(free_port 5440)
  data="$services_dir/pg"
  mkdir -p "$data"
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: run the server as the postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown -R postgres "$data"
    chmod 755 "$services_dir"
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$bin/initdb" -D "$data/db" -U postgres -A trust --no-sync >"$data/initdb.log"
  "${run_as[@]}" "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 30 \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  "${run_as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres jobs_test
  export JOBS_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/jobs_test?sslmode=disable"
  echo "services: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on $JOBS_TEST_DATABASE_URL"
  services_pg_stop=("${run_as[@]}" "$bin/pg_ctl" -D "$data/db" -m immediate stop)
}

# find_chromium: installs Debian's chromium when absent and exports its
# path as JOBS_TEST_CHROMIUM for the dashboard's browser tests.
find_chromium() {
  command -v chromium >/dev/null || need_root_install chromium
  JOBS_TEST_CHROMIUM=$(command -v chromium)
  export JOBS_TEST_CHROMIUM
  echo "services: $("$JOBS_TEST_CHROMIUM" --version 2>/dev/null | head -n 1) at $JOBS_TEST_CHROMIUM"
}

services_start() {
  command -v go >/dev/null || { echo "services: Go is not installed (need Go 1.26+)" >&2; return 1; }
  services_dir=$(mktemp -d /tmp/jobs-services.XXXXXX)
  start_redis
  start_redis_cluster
  start_redis_sentinel
  start_postgres
  find_chromium
}

services_stop() {
  [ -n "$services_dir" ] || return 0
  local pid
  for pid in "$services_dir"/redis/redis.pid "$services_dir"/cluster/*/redis.pid "$services_dir"/sentinel/*/redis.pid; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  if [ -n "${services_pg_stop:-}" ]; then
    "${services_pg_stop[@]}" >/dev/null 2>&1 || true
  fi
  rm -rf "$services_dir"
}
