# Linters over the repository's own Python (tests/, bench/, scripts/; settings in ruff.toml):
# ruff check and ruff format --check with the venv's pinned ruff. The contenders lint
# themselves in their own tests (ruff for fastapi, gofmt + go vet for golang, -Werror for C),
# YAML is linted by test-k8s, and every C build here is -Wall -Wextra -Werror.
.PHONY: test-lint
TEST_TARGETS += test-lint
test-lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
