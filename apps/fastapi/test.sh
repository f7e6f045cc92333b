#!/bin/sh
# The contender's own tests: ruff (lint + format) and pytest (the ASGI app in process, then the
# real server from service.conf's start command over loopback). Installs the test tools from
# requirements-dev.lock into .venv on first use (a stamp skips it afterwards).
set -eu
cd "$(dirname "$0")"
sh build.sh
want=$(sha256sum requirements-dev.lock | cut -d' ' -f1)
stamp=.venv/.stamp-requirements-dev.lock
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "fastapi: installing requirements-dev.lock (test tools) into .venv"
  .venv/bin/pip install -q --disable-pip-version-check --no-deps --require-hashes -r requirements-dev.lock
  echo "$want" > "$stamp"
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
