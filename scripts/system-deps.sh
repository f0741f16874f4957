#!/usr/bin/env bash
# Install the Debian packages the project needs when they are missing (only as root).
#   scripts/system-deps.sh            build deps for mysqlclient
#   scripts/system-deps.sh services   also the MariaDB and Redis servers the tests start
set -euo pipefail

packages=()
if ! pkg-config --exists libmariadb 2>/dev/null && ! pkg-config --exists mysqlclient 2>/dev/null; then
  packages+=(libmariadb-dev pkg-config)
fi
if [[ "${1:-}" == "services" ]]; then
  command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]] || packages+=(mariadb-server)
  command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
fi
((${#packages[@]})) || exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "Missing Debian packages: ${packages[*]}; install them with: sudo apt-get install ${packages[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
