#!/bin/sh
# The contender's own tests: gofmt, go vet, go test (httptest servers over loopback, and the
# real run() re-executed from the test binary for SIGTERM and the startup line).
# Extra arguments go to go test, e.g. `sh test.sh -race -v`.
set -eu
cd "$(dirname "$0")"
export GOTOOLCHAIN=local GOFLAGS=-mod=readonly
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "golang: gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
go test -count=1 "$@" ./...
