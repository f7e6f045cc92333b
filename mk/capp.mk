# apps/c, the C contender: its own Makefile builds bin/server; service.conf's build/test keys
# call the same targets. Packages: deps/capp.apt.
.PHONY: apps capp test-capp
apps: capp
capp:
	@$(MAKE) --no-print-directory -C apps/c
TEST_TARGETS += test-capp
test-capp:
	@$(MAKE) --no-print-directory -C apps/c test
