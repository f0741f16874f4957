#!/usr/bin/env bash
# Production-like serving: DEBUG off, gunicorn workers, static files by WhiteNoise.
# Plain HTTP on loopback, so HTTPS redirects and secure-only cookies are off unless
# you set SECURE_SSL_REDIRECT=1 / SECURE_COOKIES=1 (do so behind a TLS proxy).
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p var
if [[ -z ${DJANGO_SECRET_KEY:-} ]]; then
  # Readable by its owner only (0600), like the SQLite database (factory/sqlite).
  [[ -s var/secret-key ]] || (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' >var/secret-key)
  chmod 600 var/secret-key
  DJANGO_SECRET_KEY=$(cat var/secret-key)
fi
export DJANGO_SECRET_KEY DJANGO_DEBUG=0
export SECURE_SSL_REDIRECT=${SECURE_SSL_REDIRECT:-0} SECURE_COOKIES=${SECURE_COOKIES:-0}
export DJANGO_ALLOWED_HOSTS=${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1}

# Throttle counters must be shared by every worker: more than one needs Redis (gunicorn.conf.py).
workers=1
[[ -n ${REDIS_URL:-} ]] && workers=2
.venv/bin/python manage.py collectstatic --noinput -v 0
.venv/bin/python manage.py migrate --noinput -v 0
# Slow clients (docs/hardening.md, "Slow clients"): a sync worker is held by one client for as
# long as it takes to send its request, so 2 clients trickling a body blocked the site. A gthread
# worker parks idle connections in a poller and serves each request on one of its threads.
# X-Forwarded-Proto (and gunicorn's other secure-scheme headers) are trusted only with a proxy
# in front (NUM_PROXIES > 0), from FORWARDED_ALLOW_IPS (gunicorn's default: loopback).
forwarded=()
[[ ${NUM_PROXIES:-0} == 0 ]] && forwarded=(--forwarded-allow-ips=)
exec .venv/bin/gunicorn factory.wsgi:application \
  --bind "${HOST:-127.0.0.1}:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-$workers}" \
  --worker-class "${WEB_WORKER_CLASS:-gthread}" --threads "${WEB_THREADS:-8}" \
  --timeout 30 --graceful-timeout 30 --keep-alive 5 "${forwarded[@]}" \
  --access-logfile "${ACCESS_LOGFILE:--}"
