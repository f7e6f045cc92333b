# pocbench verify: end-to-end tests against tests/verify/fixture_server.py (a conforming
# asyncio service with fault switches) and the --service lifecycle. Unit tests of http_resp,
# prom and svc are tests/c/test_*.c (run by test-c / test-c-asan).
.PHONY: test-verify
TEST_TARGETS += test-verify
test-verify: build/pocbench venv
	@POCBENCH=$${POCBENCH:-build/pocbench} $(PY) -m pytest -q -p no:cacheprovider tests/verify
