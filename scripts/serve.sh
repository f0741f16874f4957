#!/usr/bin/env bash
# Production-like serving: DEBUG off, gunicorn workers, static files by WhiteNoise.
# Plain HTTP on loopback, so HTTPS redirects and secure-only cookies are off unless
# you set SECURE_SSL_REDIRECT=1 / SECURE_COOKIES=1 (do so behind a TLS proxy).
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p var
if [[ -z ${DJANGO_SECRET_KEY:-} ]]; then
  [[ -s var/secret-key ]] || .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' >var/secret-key
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
exec .venv/bin/gunicorn factory.wsgi:application \
  --bind "${HOST:-127.0.0.1}:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-$workers}" \
  --access-logfile "${ACCESS_LOGFILE:--}" --timeout 30
