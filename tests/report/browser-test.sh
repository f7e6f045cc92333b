#!/usr/bin/env bash
# test-report-browser: renders each committed fixture results tree (copied to OUT/<name>/ so the
# committed tree stays clean) with `pocbench report`, then opens its report.html in headless
# Chromium (report/browser-test.mjs): no console/page error, no network request, every chart
# drawn, capacity/ and sweep/ charts plotting their documents; the screenshot report.png is left
# beside each page for a person to look at.
# Usage: browser-test.sh OUT FIXTURE/run.json...
set -eu
out=$1; shift
[ $# -gt 0 ] || { echo "test-report-browser: no fixtures under tests/report/fixtures"; exit 1; }
command -v /usr/bin/chromium >/dev/null || { echo "test-report-browser: /usr/bin/chromium missing (deps/report.apt; run make)"; exit 1; }
pass=0; fail=0
for runjson in "$@"; do
  src=$(dirname "$runjson"); name=$(basename "$src")
  rm -rf "$out/$name"; mkdir -p "$out"; cp -r "$src" "$out/$name"
  baseline=fastapi
  [ -f "$src/BASELINE" ] && baseline=$(cat "$src/BASELINE")
  if ./build/pocbench report --baseline "$baseline" "$out/$name" >/dev/null \
     && node report/browser-test.mjs "$out/$name/report.html"; then
    echo "ok - $name: report.html renders, every chart drew ($out/$name/report.png)"; pass=$((pass+1))
  else
    echo "not ok - $name: see above"; fail=$((fail+1))
  fi
done
echo "test-report-browser: $pass passed, $fail failed"
[ $fail -eq 0 ]
