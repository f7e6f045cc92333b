# build/venv: Python tools for tests and linters (requirements-dev.txt), rebuilt when it changes.
VENV := build/venv
PY   := $(VENV)/bin/python
.PHONY: venv
venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements-dev.txt
	@echo "venv: installing Python test tools from requirements-dev.txt into $(VENV)"
	@python3 -m venv $(VENV)
	@$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@touch $@
