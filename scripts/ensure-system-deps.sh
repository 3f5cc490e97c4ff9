#!/usr/bin/env bash
# Installs what `npm test` needs from Debian and a fresh machine lacks: Chromium (e2e in a real browser) and
# redis-server (the two-instance Redis proof). apt-get only as root; otherwise say exactly what is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium fonts-liberation)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing from Debian: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "npm test needs these Debian packages: ${missing[*]}." >&2
echo "Install them as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
exit 1
