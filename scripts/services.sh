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
#   scripts/services.sh stop-replica|start-replica DIR    the same for the replica (REPLICA=1)
#
# REPLICA=1 (with start or up) also starts a GTID replica of MariaDB (docs/scaling.md): the primary
# writes a binary log (server_id 1, gtid_strict_mode), the replica (server_id 2, read_only=ON, no
# binary log of its own) follows it with CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos, and DIR/env
# names it in DATABASE_REPLICA_URLS as user factory_read, who may only SELECT: read_only does not
# stop a user with SUPER (like factory, whose grants replicate too) from writing on a replica.
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

# start and up are told (REPLICA=1); the other commands read it from the env file start or up wrote.
replica=${REPLICA:-0}
if [[ $cmd != start && $cmd != up && -f $dir/env ]] && grep -q '^export REPLICA=1$' "$dir/env"; then
  replica=1
fi

start_mariadb() {
  local binlog=()
  [[ $replica == 1 ]] && binlog=(--log-bin=primary-bin --server-id=1 --gtid-strict-mode=1)
  start_mariadbd mariadb "$MARIADB_PORT" "${binlog[@]}"
}

start_replica() {
  start_mariadbd replica "$REPLICA_PORT" --server-id=2 --read-only=ON --gtid-strict-mode=1 \
    --relay-log=replica-relay
}

start_mariadbd() {  # start_mariadbd NAME PORT MORE-OPTIONS...: data in DIR/NAME, socket DIR/NAME.sock
  local name=$1 port=$2
  shift 2
  "$mariadbd" --no-defaults --user="$(id -un)" --datadir="$dir/$name" \
    --socket="$dir/$name.sock" --pid-file="$dir/$name.pid" --port="$port" \
    --bind-address=127.0.0.1 --skip-name-resolve --log-error="$dir/$name.log" "$@" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_520_ci \
    --innodb-buffer-pool-size="${INNODB_BUFFER_POOL_SIZE:-512M}" --innodb-flush-log-at-trx-commit=2 \
    --query-cache-type=OFF --query-cache-size=0 \
    --innodb-lock-wait-timeout=10 --max-connections=300 </dev/null >/dev/null 2>&1 &
  if ! wait_for 60 mariadb-admin --no-defaults --socket="$dir/$name.sock" -uroot ping; then
    echo "MariaDB ($name) did not start; its log:" >&2
    tail -n 30 "$dir/$name.log" >&2
    exit 1
  fi
}

root_sql() {  # root_sql NAME SQL: as root on DIR/NAME.sock, values only
  mariadb --no-defaults --socket="$dir/$1.sock" -uroot -N -B -e "$2"
}

copy_for_replica() {  # the primary's data, copied while it is stopped: where the replica starts
  rm -rf "$dir/replica" "$dir/replica.new"
  cp -a "$dir/mariadb" "$dir/replica.new"
  rm -f "$dir/replica.new"/primary-bin.* "$dir/replica.new/.factory-ready"
  mv "$dir/replica.new" "$dir/replica"
}

change_master() {  # points the replica at the primary's port (new at each start or up)
  root_sql replica "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MARIADB_PORT,
  MASTER_USER='repl', MASTER_PASSWORD='repl', MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos;"
}

follow_primary() {  # the primary runs and nothing was written since copy_for_replica
  local position
  position=$(root_sql mariadb "SELECT @@gtid_binlog_pos")
  # Written after the copy, so they reach the replica by replication like every later write.
  root_sql mariadb "CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
CREATE USER IF NOT EXISTS 'factory_read'@'127.0.0.1' IDENTIFIED BY 'factory_read';
GRANT SELECT ON *.* TO 'factory_read'@'127.0.0.1';"
  start_replica
  root_sql replica "SET GLOBAL gtid_slave_pos = '$position';"
  change_master
  root_sql replica "START SLAVE;"
  touch "$dir/replica/.factory-replica-ready"
}

start_both() {  # the primary and, with REPLICA=1, its replica (made from the primary's data if new)
  if [[ $replica == 1 && ! -f $dir/replica/.factory-replica-ready ]]; then
    copy_for_replica
    start_mariadb
    follow_primary
  else
    # A replica that did not follow every write (the primary ran without a binary log) is gone.
    [[ $replica == 1 ]] || rm -rf "$dir/replica"
    start_mariadb
    if [[ $replica == 1 ]]; then
      start_replica
      root_sql replica "STOP SLAVE;"
      change_master
      root_sql replica "START SLAVE;"
    fi
  fi
  return 0
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
  start_both
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
  if [[ $replica == 1 ]]; then
    cat >>"$dir/env" <<ENV
export REPLICA=1
export REPLICA_PORT=$REPLICA_PORT
export DATABASE_REPLICA_URLS=mysql://factory_read:factory_read@127.0.0.1:$REPLICA_PORT/factory
ENV
  fi
  echo "MariaDB on 127.0.0.1:$MARIADB_PORT, Redis on 127.0.0.1:$REDIS_PORT (data in $dir)"
  if [[ $replica == 1 ]]; then
    echo "MariaDB replica on 127.0.0.1:$REPLICA_PORT, following the primary"
  fi
}

case $cmd in
  start)
    scripts/system-deps.sh services
    rm -rf "$dir"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    MARIADB_PORT=$(free_port)
    REDIS_PORT=$(free_port)
    REPLICA_PORT=$(free_port)
    install_and_start
    write_env
    ;;
  up)
    scripts/system-deps.sh services
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # Servers a crashed run left behind hold the data directory's locks: stop them first.
    stop_pidfile "$dir/redis.pid"
    stop_pidfile "$dir/replica.pid"
    stop_pidfile "$dir/mariadb.pid"
    MARIADB_PORT=$(free_port)
    REDIS_PORT=$(free_port)
    REPLICA_PORT=$(free_port)
    if [[ -f $dir/mariadb/.factory-ready ]]; then
      start_both
      start_redis
    else
      rm -rf "$dir/mariadb" "$dir/mariadb.new"
      install_and_start
    fi
    write_env
    ;;
  stop)
    stop_pidfile "$dir/redis.pid"
    stop_pidfile "$dir/replica.pid"
    stop_pidfile "$dir/mariadb.pid"
    rm -rf "$dir"
    ;;
  down)
    stop_pidfile "$dir/redis.pid"
    stop_pidfile "$dir/replica.pid"
    stop_pidfile "$dir/mariadb.pid"
    ;;
  stop-redis) stop_pidfile "$dir/redis.pid" ;;
  pause-redis) kill -STOP "$(cat "$dir/redis.pid")" ;;   # a Redis that hangs: connects, never answers
  resume-redis) kill -CONT "$(cat "$dir/redis.pid")" ;;
  stop-mariadb) stop_pidfile "$dir/mariadb.pid" ;;
  start-redis) source "$dir/env"; start_redis ;;
  start-mariadb) source "$dir/env"; start_mariadb ;;
  stop-replica) stop_pidfile "$dir/replica.pid" ;;
  start-replica) source "$dir/env"; start_replica ;;
  *) echo "unknown command: $cmd" >&2; exit 2 ;;
esac
