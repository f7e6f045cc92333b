#!/bin/sh
# Prints key=value lines for the results: the Debian packages bin/server links and the compiler.
set -eu
for p in libh2o-evloop0.13 libyajl2 libssl3; do
  printf '%s=%s\n' "deb.$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo unknown)"
done
printf 'cc=%s\n' "$(gcc -dumpfullversion 2>/dev/null || echo unknown)"
