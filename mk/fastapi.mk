# apps/fastapi, the FastAPI contender: the targets run the scripts its service.conf names
# (build.sh installs the hash-pinned lock into apps/fastapi/.venv; test.sh runs ruff and pytest).
.PHONY: apps app-fastapi test-fastapi
apps: app-fastapi
app-fastapi:
	@sh apps/fastapi/build.sh
TEST_TARGETS += test-fastapi
test-fastapi: app-fastapi
	@sh apps/fastapi/test.sh
