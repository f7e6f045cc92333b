# Debian packages, Python and Go toolchain checks. Lists live in deps/*.apt (one package a line),
# one file per concern so that each part of the project names what it needs.
.PHONY: deps
deps:
	@bash scripts/deps.sh
