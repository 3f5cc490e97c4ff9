#!/usr/bin/env bash
# Installs what `npm test` needs from Debian and a fresh machine lacks: Chromium (e2e in a real browser),
# redis-server (the two-instance Redis proof) and a headless Secret Service (the keyring store). apt-get only as root; otherwise say exactly what is missing.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium fonts-liberation)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# The keyring store's test runs a private Secret Service: a session bus, GNOME Keyring, and secret-tool to cross-check.
command -v dbus-run-session >/dev/null 2>&1 || missing+=(dbus)
command -v gnome-keyring-daemon >/dev/null 2>&1 || missing+=(gnome-keyring)
command -v secret-tool >/dev/null 2>&1 || missing+=(libsecret-tools)
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
