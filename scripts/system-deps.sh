#!/usr/bin/env bash
# Install the Debian packages the project needs when they are missing (only as root).
#   scripts/system-deps.sh            build deps for mysqlclient; Pango, HarfBuzz and a font for
#                                     WeasyPrint's invoice PDFs (orders/pdf.py)
#   scripts/system-deps.sh services   also the MariaDB and Redis servers the tests start
#   scripts/system-deps.sh bench      also the wrk load generator `make bench` drives them with
#   scripts/system-deps.sh browser    also Chromium, which the browser tests (e2e/) drive with Playwright
set -euo pipefail

packages=()
if ! pkg-config --exists libmariadb 2>/dev/null && ! pkg-config --exists mysqlclient 2>/dev/null; then
  packages+=(libmariadb-dev pkg-config)
fi
# WeasyPrint's wheel needs these shared libraries (its docs' list for Debian) and a font.
for package in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || packages+=("$package")
done
if [[ "${1:-}" == "services" || "${1:-}" == "bench" ]]; then
  command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]] || packages+=(mariadb-server)
  command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
fi
if [[ "${1:-}" == "bench" ]]; then
  command -v wrk >/dev/null 2>&1 || packages+=(wrk)
fi
if [[ "${1:-}" == "browser" ]]; then
  [[ -x /usr/bin/chromium ]] || packages+=(chromium)
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
