# pocbench capacity: the breaking-point search and the concurrency sweep (src/capacity*.c,
# src/sweep.c). Unit tests of the search are tests/c/test_capacity.c (run by test-c and
# test-c-asan); test-capacity drives the real binary against tests/capacity/queue_server.py,
# a server whose capacity is known by construction, and against a generator held to a tiny
# CPU quota, and against the same server as a managed contender under the study's limits and
# under a 10m quota (needs cgroups, as the study does). About a minute and a half.
.PHONY: test-capacity
TEST_TARGETS += test-capacity
test-capacity: build/pocbench
	@POCBENCH=build/pocbench python3 tests/capacity/test_capacity.py
