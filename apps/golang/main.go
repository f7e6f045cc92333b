// The Go contender: serves the endpoint contract on $HOST:$PORT until SIGTERM or SIGINT, then
// stops accepting, lets in-flight requests finish (http.Server.Shutdown, up to 30 s) and exits 0.
// No access log. The startup line on stderr records what the runtime actually got: GOMAXPROCS
// and where it came from. go.mod says `go 1.23`, so even a Go >= 1.25 toolchain builds with
// GODEBUG containermaxprocs=0: GOMAXPROCS is the machine's CPU count (or $GOMAXPROCS), not the
// cgroup's CPU quota, as it would be for a go 1.25 module. That is the study's Go behaviour, and
// the [variant gomaxprocs1] sets GOMAXPROCS=1 to show what sizing it to a 500m quota changes.
// `server -versions` prints the same facts as key=value lines for the results.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const shutdownGrace = 30 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main without the exit, so tests can drive it: 0 on a clean stop, 1 on a serve error,
// 2 on bad settings.
func run(args []string, getenv func(string) string, stdout, stderr *os.File) int {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	versions := fs.Bool("versions", false, "print runtime and module versions as key=value lines and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *versions {
		for _, kv := range versionLines() {
			fmt.Fprintln(stdout, kv)
		}
		return 0
	}
	addr, err := listenAddr(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "golang: %v\n", err)
		return 2
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "golang: listen on %s: %v\n", addr, err)
		return 1
	}
	m := newHTTPMetrics(prometheus.DefaultRegisterer)
	srv := &http.Server{
		Handler:           newMux(m, prometheus.DefaultGatherer),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Second, // Uvicorn's keep-alive timeout, for parity
	}
	fmt.Fprintf(stderr, "golang: serving on %s %s\n", ln.Addr(), strings.Join(runtimeFacts(), " "))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "golang: serve: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	fmt.Fprintln(stderr, "golang: signal received, draining")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "golang: shutdown: %v\n", err)
		return 1
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "golang: serve: %v\n", err)
		return 1
	}
	fmt.Fprintln(stderr, "golang: stopped")
	return 0
}

// listenAddr is HOST:PORT from the environment (127.0.0.1 and 8080 when unset).
func listenAddr(getenv func(string) string) (string, error) {
	host, port := getenv("HOST"), getenv("PORT")
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "8080"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("PORT must be a TCP port number (1-65535), not %q", port)
	}
	return net.JoinHostPort(host, port), nil
}

// godebugSetting is the effective value of one GODEBUG key: $GODEBUG wins over the defaults the
// linker recorded from go.mod's go line; "" means the toolchain's own default.
func godebugSetting(key string) string {
	find := func(list string) string {
		v := ""
		for _, kv := range strings.Split(list, ",") {
			if k, val, ok := strings.Cut(kv, "="); ok && k == key {
				v = val // the last one wins, as in the runtime
			}
		}
		return v
	}
	if v := find(os.Getenv("GODEBUG")); v != "" {
		return v
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "DefaultGODEBUG" {
				return find(s.Value)
			}
		}
	}
	return ""
}

func runtimeFacts() []string {
	cmp := godebugSetting("containermaxprocs")
	source := "runtime-default" // Go >= 1.25 with containermaxprocs=1: the cgroup quota counts
	switch {
	case os.Getenv("GOMAXPROCS") != "":
		source = "env"
	case cmp == "0":
		source = "cpu-count" // CPUs the process may run on; the cgroup quota is ignored
	case cmp == "":
		cmp = "default"
	}
	return []string{
		"go=" + runtime.Version(),
		"gomaxprocs=" + strconv.Itoa(runtime.GOMAXPROCS(0)),
		"gomaxprocs.source=" + source,
		"numcpu=" + strconv.Itoa(runtime.NumCPU()),
		"godebug.containermaxprocs=" + cmp,
	}
}

func versionLines() []string {
	lines := runtimeFacts()
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/prometheus/client_golang" {
				lines = append(lines, "client_golang="+d.Version)
			}
		}
	}
	return lines
}
