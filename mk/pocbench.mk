# pocbench: every src/*.c goes into build/libpocbench.a; src/main.c links it into build/pocbench.
# tests/c/test_<module>.c each become a program linked against the same library; they run
# twice, once plain and once under ASan+UBSan (build/asan/). Fuzz targets live in fuzz/.
CC      ?= gcc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror
CPPFLAGS += -D_GNU_SOURCE -Isrc
LDLIBS  := -lhttp_parser -lyajl -lcrypto -lpthread -lm

LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ  := $(patsubst src/%.c,build/obj/%.o,$(LIB_SRC))
TEST_SRC := $(wildcard tests/c/test_*.c)
TEST_BIN := $(patsubst tests/c/%.c,build/tests/%,$(TEST_SRC))
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_OBJ := $(patsubst src/%.c,build/asan/obj/%.o,$(LIB_SRC))
ASAN_TEST_BIN := $(patsubst tests/c/%.c,build/asan/tests/%,$(TEST_SRC))
# test helpers shared by several test programs (servers, assertions): tests/c/support/*.c
SUPPORT_SRC := $(wildcard tests/c/support/*.c)

.PHONY: pocbench test-c test-c-asan
pocbench: build/pocbench

build/obj/%.o: src/%.c $(wildcard src/*.h) | build/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<
build/libpocbench.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
# pocbench --version: `git describe` of the checkout at build time ("unknown" outside git);
# build/version.txt changes only when the description does, so a new commit relinks pocbench.
# --no-optional-locks: --dirty must not take the index lock while others commit.
POCBENCH_VERSION := $(shell git --no-optional-locks describe --always --dirty 2>/dev/null || echo unknown)
VERSION_DEF = -DPOCBENCH_VERSION='"$(POCBENCH_VERSION)"'
.PHONY: pocbench-version-check
build/version.txt: pocbench-version-check | build/obj
	@echo '$(POCBENCH_VERSION)' | cmp -s - $@ || echo '$(POCBENCH_VERSION)' > $@
build/pocbench: src/main.c build/libpocbench.a build/version.txt
	$(CC) $(CPPFLAGS) $(VERSION_DEF) $(CFLAGS) $(WARN) -o $@ $< build/libpocbench.a $(LDLIBS)
build/tests/%: tests/c/%.c $(SUPPORT_SRC) build/libpocbench.a $(wildcard tests/c/*.h) | build/tests
	$(CC) $(CPPFLAGS) -Itests/c $(CFLAGS) $(WARN) -o $@ $< $(SUPPORT_SRC) build/libpocbench.a $(LDLIBS)

build/asan/obj/%.o: src/%.c $(wildcard src/*.h) | build/asan/obj
	clang $(CPPFLAGS) $(ASAN_FLAGS) $(WARN) -c -o $@ $<
build/asan/libpocbench.a: $(ASAN_OBJ)
	rm -f $@ && ar rcs $@ $^
build/asan/tests/%: tests/c/%.c $(SUPPORT_SRC) build/asan/libpocbench.a $(wildcard tests/c/*.h) | build/asan/tests
	clang $(CPPFLAGS) -Itests/c $(ASAN_FLAGS) $(WARN) -o $@ $< $(SUPPORT_SRC) build/asan/libpocbench.a $(LDLIBS)
build/asan/pocbench: src/main.c build/asan/libpocbench.a build/version.txt
	clang $(CPPFLAGS) $(VERSION_DEF) $(ASAN_FLAGS) $(WARN) -o $@ $< build/asan/libpocbench.a $(LDLIBS)

build/obj build/tests build/asan/obj build/asan/tests:
	mkdir -p $@

TEST_TARGETS += test-c test-c-asan
test-c: $(TEST_BIN) build/pocbench
	@bash scripts/run-c-tests.sh build/tests $(notdir $(TEST_BIN))
test-c-asan: $(ASAN_TEST_BIN) build/asan/pocbench
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  POCBENCH=build/asan/pocbench bash scripts/run-c-tests.sh build/asan/tests $(notdir $(ASAN_TEST_BIN))
