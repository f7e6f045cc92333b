# apps/golang, the Go contender: the targets run the scripts its service.conf names
# (build.sh builds apps/golang/bin/server; test.sh runs gofmt, go vet and go test).
.PHONY: apps app-golang test-golang
apps: app-golang
app-golang:
	@sh apps/golang/build.sh
TEST_TARGETS += test-golang
test-golang: app-golang
	@sh apps/golang/test.sh
