#!/usr/bin/env bash
# Run one command against the bench's servers and data, with the bench's settings:
#   scripts/with-bench-env.sh .venv/bin/python -m bench.profile '/api/orders/?page_size=100'
# Starts MariaDB and Redis on var/bench (as `make bench` left it: run `make bench` once first),
# sets what bench/run.sh sets for gunicorn (DEBUG off, BENCH_BASELINE=1, throttles raised) and
# stops the servers when the command ends.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=var/bench
[[ -f $dir/env ]] || { echo "No bench data in $dir: run 'make bench' once first." >&2; exit 1; }
trap 'scripts/services.sh down "$dir"' EXIT
REPLICA=${REPLICA:-1} INNODB_BUFFER_POOL_SIZE=${INNODB_BUFFER_POOL_SIZE:-2G} scripts/services.sh up "$dir" >/dev/null
# shellcheck disable=SC1090,SC1091
source "$dir/env"
DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(cat var/secret-key)}
export DJANGO_SECRET_KEY DJANGO_DEBUG=0 SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost BENCH_BASELINE=1 LOG_LEVEL=WARNING
export THROTTLE_USER=${THROTTLE_USER:-1000000/s} THROTTLE_ANON=${THROTTLE_ANON:-1000000/s}
"$@"
