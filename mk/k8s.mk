# Kubernetes: `pocbench k8s render` output and the committed k8s/ tree validated offline
# (Kubernetes schemas, yamllint, promtool), the dashboard's PromQL, and `pocbench k8s run`'s
# collection driven by real `pocbench load` runs (tests/k8s/fake_kubectl.py runs the Jobs'
# own scripts locally). The split and promserver unit tests are tests/c/test_k8s*.c,
# tests/c/test_promserver.c (run by test-c).
.PHONY: test-k8s k8s-render
TEST_TARGETS += test-k8s

# The C contender is the real service behind the faked service proxy (tests/k8s/test_run.py);
# its own Makefile rebuilds it only when its sources changed.
test-k8s: build/pocbench venv report-assets
	@$(MAKE) -s -C apps/c bin/server
	@POCBENCH=$(CURDIR)/build/pocbench $(VENV)/bin/python -m pytest -q -rs -p no:cacheprovider tests/k8s

# Re-renders the committed manifests after a change to apps/*/service.conf or profiles/.
k8s-render: build/pocbench
	./build/pocbench k8s render --out k8s
