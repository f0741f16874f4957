#!/usr/bin/env bash
# Run a command with throwaway MariaDB and Redis servers on loopback; they are
# stopped and their data deleted afterwards, whatever the command's outcome.
#   scripts/with-services.sh .venv/bin/pytest -k orders
set -euo pipefail
cd "$(dirname "$0")/.."

dir=var/services-$$
trap 'scripts/services.sh stop "$dir"' EXIT
scripts/services.sh start "$dir"
# shellcheck disable=SC1090,SC1091
source "$dir/env"
"$@"
