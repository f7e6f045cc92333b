#!/usr/bin/env bash
# Installs the Debian packages named in deps/*.apt that are missing, saying which.
# Idempotent and quiet when everything is present. Needs root (or sudo) only when installing.
set -eu
cd "$(dirname "$0")/.."
want=$(cat deps/*.apt | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "deps: installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "deps: missing packages (${missing[*]}) and not root: install them, then run make again" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
stamp=/var/lib/apt/periodic/update-success-stamp
if [ ! -d /var/lib/apt/lists ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ] \
   || ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/poc-deps.log 2>&1; then
  $SUDO apt-get update -qq >/tmp/poc-deps.log 2>&1 || true
  if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/poc-deps.log 2>&1; then
    echo "deps: apt-get install failed; log follows" >&2
    tail -20 /tmp/poc-deps.log >&2
    exit 1
  fi
fi
: "$stamp"
echo "deps: installed ${#missing[@]} package(s)"
