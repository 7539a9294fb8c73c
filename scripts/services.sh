# Sourced by scripts/test and scripts/demo: installs, starts and stops the
# Redis and PostgreSQL servers the integration tests use. Each start picks a
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

# free_port START: the first port from START up that nothing listens on.
free_port() {
  local p=$1
  while (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
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

services_start() {
  command -v go >/dev/null || { echo "services: Go is not installed (need Go 1.26+)" >&2; return 1; }
  services_dir=$(mktemp -d /tmp/jobs-services.XXXXXX)
  start_redis
  start_postgres
}

services_stop() {
  [ -n "$services_dir" ] || return 0
  if [ -f "$services_dir/redis/redis.pid" ]; then
    kill "$(cat "$services_dir/redis/redis.pid")" 2>/dev/null || true
  fi
  if [ -n "${services_pg_stop:-}" ]; then
    "${services_pg_stop[@]}" >/dev/null 2>&1 || true
  fi
  rm -rf "$services_dir"
}
