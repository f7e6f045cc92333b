# pocbench run, end to end (tests/e2e, pytest in build/venv): a small study against every
# contender, the OOM fixture, interrupt + --resume. Needs root for the cgroups.
# `make run` / `make quick` themselves are in the top Makefile.
.PHONY: test-e2e
TEST_TARGETS += test-e2e
test-e2e: build/pocbench venv
	$(PY) -m pytest -q -p no:cacheprovider tests/e2e
