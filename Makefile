# poc-compare top-level build.
#   make            install what is missing, build pocbench and every contender
#   make test       every test (unit, sanitizer, fuzz, contenders, end to end)
#   make run        the whole study (results/<UTC>/, REPORT.md, report.html)
#   make quick      the study at --scale 0.1
# Each concern has its own fragment in mk/; this file only ties them together.
.DEFAULT_GOAL := all
SHELL := /bin/bash

include mk/*.mk

.PHONY: all test run quick clean
all: deps pocbench apps

# test-* targets are added by the fragments (TEST_TARGETS += ...).
test: all
	@bash scripts/run-tests.sh $(sort $(TEST_TARGETS))

run: all
	./build/pocbench run $(RUN_ARGS)

quick: all
	./build/pocbench run --scale 0.1 $(RUN_ARGS)

clean:
	rm -rf build
