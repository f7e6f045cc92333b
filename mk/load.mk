# Load engine (pocbench load): its C tests (tests/c/test_load_*.c) run inside test-c and
# test-c-asan; this fragment adds the response-parser fuzz target and the benchmark scripts.
#   make test-fuzz-http-resp   libFuzzer on http_resp as the engine feeds it (20 s, seed corpus)
#   make bench-compare         pocbench load vs wrk, ab, h2load, hey (installs them if missing)
#   make bench-rss             RSS of pocbench load at 1,000 VUs (BENCH_MINUTES, default 10)
FUZZ_HTTP_RESP_SECONDS ?= 20
BENCH_MINUTES ?= 10

build/fuzz/fuzz_http_resp: fuzz/fuzz_http_resp.c src/http_resp.c src/http_resp.h
	@mkdir -p build/fuzz
	clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $(WARN) \
	  -o $@ fuzz/fuzz_http_resp.c src/http_resp.c -lhttp_parser

.PHONY: test-fuzz-http-resp bench-compare bench-rss
TEST_TARGETS += test-fuzz-http-resp
test-fuzz-http-resp: build/fuzz/fuzz_http_resp
	@rm -rf build/fuzz/http_resp_work && mkdir -p build/fuzz/http_resp_work
	@set -o pipefail; cd build/fuzz && ./fuzz_http_resp http_resp_work ../../fuzz/corpus/http_resp \
	  -max_total_time=$(FUZZ_HTTP_RESP_SECONDS) -print_final_stats=1 2>&1 | tail -4

build/bench/testserver: bench/testserver_main.c tests/c/support/testserver.c tests/c/support/testserver.h
	@mkdir -p build/bench
	$(CC) $(CPPFLAGS) -Itests/c -O2 $(WARN) -o $@ bench/testserver_main.c tests/c/support/testserver.c

bench-compare: build/pocbench build/bench/testserver
	bash bench/compare.sh

bench-rss: build/pocbench build/bench/testserver
	bash bench/rss-trace.sh --minutes $(BENCH_MINUTES)
