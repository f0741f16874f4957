#!/usr/bin/env bash
# `make bench`: MariaDB + Redis (data kept in var/bench), the `large` data set loaded once,
# gunicorn with production settings, then bench/driver.py measures and prints one table.
# Everything listens on loopback only; servers are stopped on exit, MariaDB's data is kept.
#   BENCH_RESEED=1 make bench    drop the kept database and load `large` again
#   REPLICA=0 make bench         without the GTID read replica the reports are otherwise read from
#                                (bench/replica.py; the replica is made from var/bench once)
#   BENCH_QUICK=1 make bench     development: every run a quarter as long, the deep lists walked at
#                                their ends only, no `medium` (BENCH_GROWTH=1 to load it anyway)
#   BENCH_ONLY=orders,deep       measure only these lists / reports / `deep` / `growth` / `posts`
set -euo pipefail
cd "$(dirname "$0")/.."

dir=var/bench
logs=var/bench-logs
mkdir -p "$logs"
scripts/system-deps.sh bench

gunicorn_pid=
medium_pid=
cleanup() {
  for pid in $gunicorn_pid $medium_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  scripts/services.sh down "$dir"
}
trap cleanup EXIT

REPLICA=${REPLICA:-1} INNODB_BUFFER_POOL_SIZE=${INNODB_BUFFER_POOL_SIZE:-2G} scripts/services.sh up "$dir"
# shellcheck disable=SC1090,SC1091
source "$dir/env"

# Production settings, as scripts/serve.sh runs them, for this process, gunicorn and the driver.
if [[ -z ${DJANGO_SECRET_KEY:-} ]]; then
  [[ -s var/secret-key ]] || .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' >var/secret-key
  DJANGO_SECRET_KEY=$(cat var/secret-key)
fi
export DJANGO_SECRET_KEY DJANGO_DEBUG=0 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
# The load generator must never be throttled. Requests are still counted, exactly as at the
# default rates: one counter per window (factory/api/throttling.py), whatever the rate.
export THROTTLE_USER=${THROTTLE_USER:-1000000/s} THROTTLE_ANON=${THROTTLE_ANON:-1000000/s}
export BENCH_BASELINE=1 WEB_CONCURRENCY=2 LOG_LEVEL=WARNING

.venv/bin/python manage.py migrate --noinput -v 0

root_sql() { mariadb --no-defaults --socket="$dir/mariadb.sock" -uroot -e "$1"; }
state=0
.venv/bin/python -m bench.driver seeded || state=$?
if [[ $state -ne 0 || ${BENCH_RESEED:-0} == 1 ]]; then
  if [[ $state -ne 1 ]]; then  # something other than an empty database: start from a clean one
    echo "Dropping the bench database to load 'large' from scratch."
    root_sql "DROP DATABASE factory; CREATE DATABASE factory CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;"
    .venv/bin/python manage.py migrate --noinput -v 0
  fi
  rm -f "$dir/seed.json"
  echo "Loading the 'large' data set once (kept in $dir for later runs) ..."
  started=$(date +%s.%N)
  # seed_demo writes the demo logins' passwords to .demo-logins: keep the developer's file as it was.
  [[ -f .demo-logins ]] && cp -p .demo-logins "$dir/demo-logins.saved"
  .venv/bin/python manage.py seed_demo --size large
  finished=$(date +%s.%N)
  mv .demo-logins "$dir/demo-logins"
  [[ -f $dir/demo-logins.saved ]] && mv "$dir/demo-logins.saved" .demo-logins
  .venv/bin/python -m bench.driver seeded
  python3 -c 'import json, sys, datetime
json.dump({"seconds": float(sys.argv[2]) - float(sys.argv[1]),
           "at": datetime.date.today().isoformat()}, open(sys.argv[3], "w"))' \
    "$started" "$finished" "$dir/seed.json"
fi

# `medium` beside `large` (SPEC §11: reports' cold p50 grows at most linearly with their rows), in
# its own database on the same server, served by a second gunicorn with its own Redis database.
growth=${BENCH_GROWTH:-$([[ ${BENCH_QUICK:-0} == 1 ]] && echo 0 || echo 1)}
medium_url=${DATABASE_URL%/*}/factory_medium
if [[ $growth == 1 ]]; then
  root_sql "CREATE DATABASE IF NOT EXISTS factory_medium CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;"
  DATABASE_URL=$medium_url .venv/bin/python manage.py migrate --noinput -v 0
  mstate=0
  DATABASE_URL=$medium_url .venv/bin/python -m bench.driver seeded --size medium || mstate=$?
  if [[ $mstate -ne 0 ]]; then
    echo "Loading the 'medium' data set once, beside 'large' ..."
    [[ -f .demo-logins ]] && cp -p .demo-logins "$dir/demo-logins.saved"
    DATABASE_URL=$medium_url .venv/bin/python manage.py seed_demo --size medium
    mv .demo-logins "$dir/demo-logins-medium"
    [[ -f $dir/demo-logins.saved ]] && mv "$dir/demo-logins.saved" .demo-logins
  fi
fi

# Fresh statistics for the optimiser after a bulk load or a schema change.
root_sql "ANALYZE TABLE factory.orders_order, factory.orders_orderitem, factory.products_product,
  factory.products_stockmovement, factory.production_productionrecord, factory.customers_customer,
  factory.employees_employee" >/dev/null
# MariaDB starts with a cold buffer pool: read the tables the deep walks and the lists read once
# (CHECKSUM TABLE reads every row), so the end of a walk is not timed reading from disk while its
# start, which the earlier lines touched, is served from memory.
root_sql "CHECKSUM TABLE factory.orders_order, factory.orders_orderitem, factory.orders_invoice,
  factory.orders_invoiceline, factory.production_productionrecord, factory.products_stockmovement,
  factory.customers_customer, factory.products_product" >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HOST=127.0.0.1 PORT=$port ACCESS_LOGFILE=$logs/access.log scripts/serve.sh >"$logs/gunicorn.log" 2>&1 &
gunicorn_pid=$!
wait_up() {  # wait_up PORT PID LOG: until /healthz answers (at most 3 min: collectstatic is slow on a loaded machine), or gunicorn died
  for _ in $(seq 1 900); do
    curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 30 "$3" >&2; exit 1; }
    sleep 0.2
  done
  echo "gunicorn did not answer on port $1 in 3 minutes" >&2
  exit 1
}
wait_up "$port" "$gunicorn_pid" "$logs/gunicorn.log"
medium=()
if [[ $growth == 1 ]]; then
  mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  DATABASE_URL=$medium_url REDIS_URL=${REDIS_URL%/*}/1 HOST=127.0.0.1 PORT=$mport \
    ACCESS_LOGFILE=$logs/access-medium.log scripts/serve.sh >"$logs/gunicorn-medium.log" 2>&1 &
  medium_pid=$!
  wait_up "$mport" "$medium_pid" "$logs/gunicorn-medium.log"
  medium=(--medium-url "http://127.0.0.1:$mport" --medium-database factory_medium)
fi

echo "Load: $(uptime)"
.venv/bin/python -m bench.driver run --url "http://127.0.0.1:$port" --seed-file "$dir/seed.json" "${medium[@]}"
