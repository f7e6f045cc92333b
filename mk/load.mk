# Load engine (pocbench load): its C tests (tests/c/test_load_*.c) run inside test-c and
# test-c-asan, its fuzz target fuzz/fuzz_http_resp.c inside test-fuzz (mk/fuzz.mk); this
# fragment adds the benchmark scripts.
#   make bench-compare         pocbench load vs wrk, ab, h2load, hey (installs them if missing)
#   make bench-rss             RSS of pocbench load at 1,000 VUs (BENCH_MINUTES, default 10)
#   make bench-lowrate         the generator's own CPU at 600 req/s (open and closed models)
BENCH_MINUTES ?= 10

.PHONY: bench-compare bench-rss bench-lowrate
build/bench/testserver: bench/testserver_main.c tests/c/support/testserver.c tests/c/support/testserver.h
	@mkdir -p build/bench
	$(CC) $(CPPFLAGS) -Itests/c -O2 $(WARN) -o $@ bench/testserver_main.c tests/c/support/testserver.c

bench-compare: build/pocbench build/bench/testserver
	bash bench/compare.sh

bench-rss: build/pocbench build/bench/testserver
	bash bench/rss-trace.sh --minutes $(BENCH_MINUTES)

bench-lowrate: build/pocbench
	bash bench/lowrate.sh
