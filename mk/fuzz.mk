# Fuzz targets: every fuzz/fuzz_<name>.c is a libFuzzer program linked against the src/ modules
# (not main.c) built with -fsanitize=fuzzer-no-link,address,undefined into build/fuzz/.
# `make test-fuzz` runs each for FUZZ_SECONDS over its committed seed corpus fuzz/corpus/<name>/
# (new inputs go to build/fuzz/work/<name>/, so the committed corpus is never modified; a crash
# leaves its input in build/fuzz/artifacts/ and fails the group).
#   make test-fuzz FUZZ_SECONDS=60     longer runs
#   make build/fuzz/fuzz_options       one target
FUZZ_SECONDS ?= 20
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN := $(patsubst fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all
# own source list: this fragment is read before pocbench.mk defines LIB_SRC
FUZZ_OBJ := $(patsubst src/%.c,build/fuzz/obj/%.o,$(filter-out src/main.c,$(wildcard src/*.c)))

build/fuzz/obj/%.o: src/%.c $(wildcard src/*.h) | build/fuzz/obj
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined $(WARN) -c -o $@ $<
build/fuzz/libpocbench.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^
build/fuzz/%: fuzz/%.c build/fuzz/libpocbench.a
	clang $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $(WARN) -o $@ $< build/fuzz/libpocbench.a $(LDLIBS)
build/fuzz/obj:
	mkdir -p $@

.PHONY: test-fuzz
TEST_TARGETS += test-fuzz
test-fuzz: $(FUZZ_BIN)
	@set -u; fail=0; \
	for bin in $(FUZZ_BIN); do \
	  name=$${bin##*/fuzz_}; work=build/fuzz/work/$$name; \
	  rm -rf $$work && mkdir -p $$work build/fuzz/artifacts; \
	  seeds=; [ -d fuzz/corpus/$$name ] && seeds=fuzz/corpus/$$name; \
	  if ASAN_OPTIONS=detect_leaks=1 ./$$bin $$work $$seeds -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	       -rss_limit_mb=2048 -artifact_prefix=build/fuzz/artifacts/$$name- -print_final_stats=1 \
	       >build/fuzz/$$name.log 2>&1; then \
	    echo "fuzz $$name: ok, $$(grep -o 'stat::number_of_executed_units: *[0-9]*' build/fuzz/$$name.log | grep -o '[0-9]*$$') runs in $(FUZZ_SECONDS)s"; \
	  else \
	    echo "fuzz $$name: FAILED (log build/fuzz/$$name.log)"; tail -30 build/fuzz/$$name.log; fail=1; \
	  fi; \
	done; exit $$fail
