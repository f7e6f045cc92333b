#!/usr/bin/env bash
# Installs the Debian packages named in deps/*.apt that are missing, saying which, then checks
# the toolchains that do not come from those lists (Go >= 1.23, Python >= 3.11 with venv, npm).
# Idempotent and quiet when everything is present. Needs root (or sudo) only when installing.
set -eu
cd "$(dirname "$0")/.."

# Toolchains: a clear error naming what is missing, before any build step fails obscurely.
check_toolchains() {
  local bad=0 v
  if ! command -v go >/dev/null; then
    echo "deps: no 'go' on PATH: apps/golang needs Go >= 1.23 (go.mod: go 1.23); install it and run make again" >&2; bad=1
  else
    v=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
    if ! printf '1.23\n%s\n' "$v" | sort -V -C; then
      echo "deps: go $v is too old: apps/golang needs Go >= 1.23 (go.mod: go 1.23)" >&2; bad=1
    fi
  fi
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "deps: python3 >= 3.11 is needed (apps/fastapi, build/venv); found: $(python3 --version 2>&1)" >&2; bad=1
  elif ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "deps: python3 has no venv/ensurepip module: install python3-venv (Debian) and run make again" >&2; bad=1
  fi
  if ! command -v npm >/dev/null; then
    echo "deps: no 'npm' on PATH: report/ installs its chart library with npm ci; install npm (Debian: npm) and run make again" >&2; bad=1
  fi
  return $bad
}
want=$(cat deps/*.apt | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then check_toolchains; exit; fi
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
check_toolchains
