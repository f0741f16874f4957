#!/usr/bin/env bash
# Throwaway MariaDB and Redis servers on loopback, on free ports, for tests and benchmarks.
#
#   scripts/services.sh start DIR   start both with their data under DIR; writes DIR/env
#                                   (DATABASE_URL, REDIS_URL, and the pids/ports used by stop)
#   scripts/services.sh stop DIR    stop both and delete DIR
#   scripts/services.sh up DIR      like start, but keep MariaDB's data: reuse DIR/mariadb when it
#                                   was set up before (e.g. var/bench, so `make bench` loads its large
#                                   data set once); Redis starts empty. New free ports each time.
#   scripts/services.sh down DIR    stop both and keep DIR
#   scripts/services.sh stop-redis|start-redis|pause-redis|resume-redis|stop-mariadb|start-mariadb DIR
#                                   for fault tests: stop or restart one server on the same port
set -euo pipefail

cmd=${1:?usage: services.sh start|stop DIR}
dir=${2:?usage: services.sh start|stop DIR}
mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for() {  # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

start_mariadb() {
  "$mariadbd" --no-defaults --user="$(id -un)" --datadir="$dir/mariadb" \
    --socket="$dir/mariadb.sock" --pid-file="$dir/mariadb.pid" --port="$MARIADB_PORT" \
    --bind-address=127.0.0.1 --skip-name-resolve --log-error="$dir/mariadb.log" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_520_ci \
    --innodb-buffer-pool-size="${INNODB_BUFFER_POOL_SIZE:-512M}" --innodb-flush-log-at-trx-commit=2 \
    --query-cache-type=OFF --query-cache-size=0 \
    --innodb-lock-wait-timeout=10 --max-connections=300 </dev/null >/dev/null 2>&1 &
  if ! wait_for 60 mariadb-admin --no-defaults --socket="$dir/mariadb.sock" -uroot ping; then
    echo "MariaDB did not start; its log:" >&2
    tail -n 30 "$dir/mariadb.log" >&2
    exit 1
  fi
}

start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log"
  wait_for 20 redis-cli -p "$REDIS_PORT" ping
}

stop_pidfile() {  # stop_pidfile FILE
  [[ -f $1 ]] || return 0
  local pid
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$1"
}

install_and_start() {  # a fresh data directory, the factory user and database; then both servers
  mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$dir/mariadb.new" \
    --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1
  mv "$dir/mariadb.new" "$dir/mariadb"
  start_mariadb
  mariadb --no-defaults --socket="$dir/mariadb.sock" -uroot <<SQL
CREATE USER 'factory'@'127.0.0.1' IDENTIFIED BY 'factory';
GRANT ALL PRIVILEGES ON *.* TO 'factory'@'127.0.0.1';
CREATE DATABASE factory CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
SQL
  # Marks a completed set-up: a directory without it is half made and is made again.
  touch "$dir/mariadb/.factory-ready"
  start_redis
}

write_env() {
  cat >"$dir/env" <<ENV
export MARIADB_PORT=$MARIADB_PORT
export REDIS_PORT=$REDIS_PORT
export DATABASE_URL=mysql://factory:factory@127.0.0.1:$MARIADB_PORT/factory
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export SERVICES_DIR=$dir
ENV
  echo "MariaDB on 127.0.0.1:$MARIADB_PORT, Redis on 127.0.0.1:$REDIS_PORT (data in $dir)"
}

case $cmd in
  start)
    scripts/system-deps.sh services
    rm -rf "$dir"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    MARIADB_PORT=$(free_port)
    REDIS_PORT=$(free_port)
    install_and_start
    write_env
    ;;
  up)
    scripts/system-deps.sh services
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # Servers a crashed run left behind hold the data directory's locks: stop them first.
    stop_pidfile "$dir/redis.pid"
    stop_pidfile "$dir/mariadb.pid"
    MARIADB_PORT=$(free_port)
    REDIS_PORT=$(free_port)
    if [[ -f $dir/mariadb/.factory-ready ]]; then
      start_mariadb
      start_redis
    else
      rm -rf "$dir/mariadb" "$dir/mariadb.new"
      install_and_start
    fi
    write_env
    ;;
  stop)
    stop_pidfile "$dir/redis.pid"
    stop_pidfile "$dir/mariadb.pid"
    rm -rf "$dir"
    ;;
  down)
    stop_pidfile "$dir/redis.pid"
    stop_pidfile "$dir/mariadb.pid"
    ;;
  stop-redis) stop_pidfile "$dir/redis.pid" ;;
  pause-redis) kill -STOP "$(cat "$dir/redis.pid")" ;;   # a Redis that hangs: connects, never answers
  resume-redis) kill -CONT "$(cat "$dir/redis.pid")" ;;
  stop-mariadb) stop_pidfile "$dir/mariadb.pid" ;;
  start-redis) source "$dir/env"; start_redis ;;
  start-mariadb) source "$dir/env"; start_mariadb ;;
  *) echo "unknown command: $cmd" >&2; exit 2 ;;
esac
