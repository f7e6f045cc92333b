# Every contender, generically: `make apps` runs the `build` command of each apps/*/service.conf
# in its folder; `make test-apps` runs each one's `test` command and then
# `build/pocbench verify --service <name>`. Both are scripts/apps.sh; a new contender folder
# is picked up with no change here.
.PHONY: apps test-apps
apps: deps
	@bash scripts/apps.sh build
TEST_TARGETS += test-apps
test-apps: apps build/pocbench
	@bash scripts/apps.sh test
