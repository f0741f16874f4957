#!/usr/bin/env bash
# `make run`: the development server and the worker (django-q2's `qcluster`, docs/events.md) side
# by side. Ctrl-C stops both; so does either one exiting (the other is stopped with it).
set -uo pipefail
cd "$(dirname "$0")/.."

.venv/bin/python manage.py qcluster &
worker=$!
.venv/bin/python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}" &
web=$!

stop() {
  trap - INT TERM EXIT
  # runserver's autoreloader serves from a child process: stop it too, then both parents.
  pkill -TERM -P "$web" 2>/dev/null
  kill -TERM "$worker" "$web" 2>/dev/null
  wait
}
trap stop INT TERM EXIT
wait -n
