#!/bin/sh
# Installs the contender into ./.venv from the hash-pinned requirements.lock (no resolver: every
# package and version is in the lock, --no-deps). Idempotent: a stamp holding the lock's SHA-256
# skips the install when nothing changed; a changed lock rebuilds the venv from scratch, so no
# package dropped from the lock lingers.
set -eu
cd "$(dirname "$0")"
want=$(sha256sum requirements.lock | cut -d' ' -f1)
stamp=.venv/.stamp-requirements.lock
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
rm -rf .venv
echo "fastapi: creating .venv with $(python3 --version) and installing requirements.lock"
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements.lock
echo "$want" > "$stamp"
