// The endpoint contract (DESIGN.md section 2) over real loopback HTTP: httptest servers around
// the same mux main uses, each with its own registry so tests do not see each other's counts,
// and the real binary path (run) re-executed from this test binary for signals and startup.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

const (
	cpuHex     = "c2f5b53d4db4231cfb9d6b3eb008c8882c78ebeb200a829bafa415933267bb60"
	jsonSHA256 = "659fb209b114a5f9f7b63d76759dd4f5f354b73b7b03a812b91267653c0455e5"
)

var contractBounds = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// TestMain doubles as the server binary: with GOLANG_SERVER_UNDER_TEST=1 this process runs
// main's run() instead of the tests, so the signal tests exercise the real startup and shutdown.
func TestMain(m *testing.M) {
	if os.Getenv("GOLANG_SERVER_UNDER_TEST") == "1" {
		os.Exit(run(nil, os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := httptest.NewServer(newMux(newHTTPMetrics(reg), reg))
	t.Cleanup(srv.Close)
	return srv
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, c *http.Client, method, url string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, body}
}

func get(t *testing.T, srv *httptest.Server, path string) reply {
	t.Helper()
	return do(t, srv.Client(), http.MethodGet, srv.URL+path)
}

func scrape(t *testing.T, srv *httptest.Server) map[string]*dto.MetricFamily {
	t.Helper()
	r := get(t, srv, "/metrics")
	if r.status != 200 {
		t.Fatalf("/metrics status %d", r.status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func find(fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	for _, m := range fams[name].GetMetric() {
		got := labelsOf(m)
		match := len(got) == len(labels)
		for k, v := range labels {
			match = match && got[k] == v
		}
		if match {
			return m
		}
	}
	return nil
}

func requestsTotal(fams map[string]*dto.MetricFamily, handler, method, status string) float64 {
	m := find(fams, "http_requests_total", map[string]string{"handler": handler, "method": method, "status": status})
	return m.GetCounter().GetValue() // 0 when absent
}

func TestHealthIsPlainOK(t *testing.T) {
	r := get(t, newTestServer(t), "/health")
	if r.status != 200 || string(r.body) != "ok" {
		t.Fatalf("got %d %q", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestCPUExactBodyAndIndependentDigest(t *testing.T) {
	buf := make([]byte, 4096)
	for i := range buf {
		buf[i] = byte(i % 251)
	}
	var d []byte
	for i := 0; i < 100; i++ {
		s := sha256.Sum256(append(append([]byte{}, d...), buf...))
		d = s[:]
	}
	if hex.EncodeToString(d) != cpuHex || cpuDigest() != cpuHex {
		t.Fatalf("digest %s / %s, want %s", hex.EncodeToString(d), cpuDigest(), cpuHex)
	}
	r := get(t, newTestServer(t), "/cpu")
	want := `{"iterations":100,"sha256":"` + cpuHex + `"}`
	if r.status != 200 || string(r.body) != want || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
}

func TestIOExactBodyAndWaits50ms(t *testing.T) {
	srv := newTestServer(t)
	t0 := time.Now()
	r := get(t, srv, "/io")
	if el := time.Since(t0); el < 50*time.Millisecond {
		t.Errorf("answered after %v, before the 50 ms wait", el)
	}
	if r.status != 200 || string(r.body) != `{"slept_ms":50}` || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
	}
}

func TestIODoesNotSerialize50ConcurrentRequests(t *testing.T) {
	srv := newTestServer(t)
	c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: 50}}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan string, 50)
	t0 := time.Now()
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(srv.URL + "/io")
			if err != nil {
				errs <- err.Error()
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- resp.Status
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// serialized, 50 x 50 ms would be 2.5 s
	if el := time.Since(t0); el > time.Second {
		t.Errorf("50 concurrent /io took %v", el)
	}
}

func TestJSONExactBytesLengthAndKeyOrder(t *testing.T) {
	r := get(t, newTestServer(t), "/json")
	sum := sha256.Sum256(r.body)
	if r.status != 200 || len(r.body) != 23930 || hex.EncodeToString(sum[:]) != jsonSHA256 {
		t.Fatalf("got %d, %d bytes, sha256 %x", r.status, len(r.body), sum)
	}
	if r.header.Get("Content-Length") != "23930" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", r.header)
	}
	if !bytes.HasPrefix(r.body, []byte(`{"name":"benchmark","value":42,"data":[0,1,2,`)) ||
		!bytes.HasSuffix(r.body, []byte(`,4998,4999]}`)) {
		t.Errorf("body starts %q ends %q", r.body[:40], r.body[len(r.body)-20:])
	}
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil || len(v["data"].([]any)) != 5000 {
		t.Errorf("not the object: %v", err)
	}
}

// Raw bytes on the wire: Date and Content-Length present, /json not chunked.
func TestWireHeadersDateAndContentLength(t *testing.T) {
	srv := newTestServer(t)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for _, path := range []string{"/health", "/cpu", "/io", "/json", "/nope"} {
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Date") == "" {
			t.Errorf("%s: no Date header", path)
		}
		if resp.ContentLength != int64(len(body)) || len(resp.TransferEncoding) != 0 {
			t.Errorf("%s: Content-Length %d for %d bytes, Transfer-Encoding %v", path, resp.ContentLength, len(body), resp.TransferEncoding)
		}
	}
}

func TestUnknownPathsAndMethodsAre404(t *testing.T) {
	srv := newTestServer(t)
	for _, method := range []string{"GET", "POST", "DELETE"} {
		for _, path := range []string{"/", "/nope", "/health/x", "/healthz", "/metrics/x"} {
			if r := do(t, srv.Client(), method, srv.URL+path); r.status != 404 {
				t.Errorf("%s %s: %d", method, path, r.status)
			}
		}
	}
	if r := do(t, srv.Client(), "POST", srv.URL+"/json"); r.status != 404 {
		t.Errorf("POST /json: %d", r.status)
	}
}

func TestKeepAlive1000RequestsOnOneConnection(t *testing.T) {
	srv := newTestServer(t)
	c := srv.Client()
	conns := 0
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
		if !i.Reused {
			conns++
		}
	}}
	for i := 0; i < 1000; i++ {
		req, _ := http.NewRequest("GET", srv.URL+"/health", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if conns != 1 {
		t.Fatalf("1000 requests used %d connections", conns)
	}
}

func TestMetricsContentTypeAndFamilies(t *testing.T) {
	srv := newTestServer(t)
	get(t, srv, "/health")
	r := get(t, srv, "/metrics")
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	fams := scrape(t, srv)
	want := map[string]dto.MetricType{
		"http_requests_total":           dto.MetricType_COUNTER,
		"http_request_duration_seconds": dto.MetricType_HISTOGRAM,
		"http_requests_inprogress":      dto.MetricType_GAUGE,
		"process_cpu_seconds_total":     dto.MetricType_COUNTER,
		"process_resident_memory_bytes": dto.MetricType_GAUGE,
	}
	for name, typ := range want {
		if f, ok := fams[name]; !ok || f.GetType() != typ {
			t.Errorf("%s: missing or not a %v", name, typ)
		}
	}
}

// main serves the default registry: it must carry the process collector (and the Go one,
// whose go_sched_gomaxprocs_threads records what GOMAXPROCS the process got).
func TestDefaultRegistryHasProcessAndGoMaxProcs(t *testing.T) {
	fams, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range fams {
		have[f.GetName()] = true
	}
	for _, n := range []string{"process_cpu_seconds_total", "process_resident_memory_bytes", "go_sched_gomaxprocs_threads"} {
		if !have[n] {
			t.Errorf("default registry lacks %s", n)
		}
	}
}

func TestMetricsExactBucketsAndLabels(t *testing.T) {
	srv := newTestServer(t)
	get(t, srv, "/json")
	get(t, srv, "/nope")
	fams := scrape(t, srv)
	h := find(fams, "http_request_duration_seconds", map[string]string{"handler": "/json", "method": "GET"})
	if h == nil {
		t.Fatal("no /json histogram")
	}
	var bounds []float64
	for _, b := range h.GetHistogram().GetBucket() {
		bounds = append(bounds, b.GetUpperBound())
	}
	want := append(append([]float64{}, contractBounds...), math.Inf(1))
	if fmt.Sprint(bounds) != fmt.Sprint(want) {
		t.Errorf("buckets %v, want %v", bounds, want)
	}
	r := get(t, srv, "/metrics")
	if !bytes.Contains(r.body, []byte(`http_request_duration_seconds_bucket{handler="/json",method="GET",le="+Inf"} 1`)) {
		t.Errorf("no +Inf bucket line")
	}
	check := func(name string, want ...string) {
		for _, m := range fams[name].GetMetric() {
			got := labelsOf(m)
			if len(got) != len(want) {
				t.Errorf("%s labels %v, want %v", name, got, want)
			}
			for _, k := range want {
				if _, ok := got[k]; !ok {
					t.Errorf("%s lacks label %s", name, k)
				}
			}
		}
	}
	check("http_requests_total", "method", "handler", "status")
	check("http_request_duration_seconds", "method", "handler")
	check("http_requests_inprogress", "method", "handler")
	for _, m := range fams["http_requests_total"].GetMetric() {
		if s := labelsOf(m)["status"]; s != "2xx" && s != "4xx" && s != "5xx" {
			t.Errorf("status label %q is not a class", s)
		}
	}
}

func TestCounterAndHistogramRiseByExactlyN(t *testing.T) {
	srv := newTestServer(t)
	for _, path := range []string{"/health", "/cpu", "/io", "/json"} {
		const n = 7
		before := scrape(t, srv)
		for i := 0; i < n; i++ {
			get(t, srv, path)
		}
		after := scrape(t, srv)
		if d := requestsTotal(after, path, "GET", "2xx") - requestsTotal(before, path, "GET", "2xx"); d != n {
			t.Errorf("%s: counter rose by %v, want %d", path, d, n)
		}
		lbl := map[string]string{"handler": path, "method": "GET"}
		c0 := find(before, "http_request_duration_seconds", lbl).GetHistogram().GetSampleCount()
		c1 := find(after, "http_request_duration_seconds", lbl).GetHistogram().GetSampleCount()
		if c1-c0 != n {
			t.Errorf("%s: histogram count rose by %d, want %d", path, c1-c0, n)
		}
	}
}

func TestUnmatchedPathsCountAsNone4xxAndMetricsIsNotCounted(t *testing.T) {
	srv := newTestServer(t)
	for _, p := range []string{"/a", "/b/c", "/metrics/x"} {
		get(t, srv, p)
	}
	for i := 0; i < 3; i++ {
		scrape(t, srv)
	}
	fams := scrape(t, srv)
	if got := requestsTotal(fams, "none", "GET", "4xx"); got != 3 {
		t.Errorf("none/4xx = %v, want 3", got)
	}
	for _, name := range []string{"http_requests_total", "http_request_duration_seconds", "http_requests_inprogress"} {
		for _, m := range fams[name].GetMetric() {
			switch h := labelsOf(m)["handler"]; h {
			case "/health", "/cpu", "/io", "/json", "none":
			default:
				t.Errorf("%s has handler %q", name, h)
			}
		}
	}
}

func TestInprogressGaugeCountsARequestInFlight(t *testing.T) {
	srv := newTestServer(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(srv.URL + "/io")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	lbl := map[string]string{"handler": "/io", "method": "GET"}
	// scrape until /io is seen in flight (it sleeps 50 ms; a scrape takes well under 1 ms)
	var during float64
	for during == 0 && !closed(done) {
		during = find(scrape(t, srv), "http_requests_inprogress", lbl).GetGauge().GetValue()
	}
	<-done
	after := find(scrape(t, srv), "http_requests_inprogress", lbl).GetGauge().GetValue()
	if during != 1 || after != 0 {
		t.Errorf("in progress during /io = %v (want 1), after = %v (want 0)", during, after)
	}
}

func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestPanickingHandlerCountsAs5xxAndGaugeReturnsToZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := newHTTPMetrics(reg)
	h := m.instrument("/boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	func() {
		defer func() { recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/boom", nil))
	}()
	fams, _ := reg.Gather()
	byName := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		byName[f.GetName()] = f
	}
	if got := requestsTotal(byName, "/boom", "GET", "5xx"); got != 1 {
		t.Errorf("5xx count %v", got)
	}
	if g := find(byName, "http_requests_inprogress", map[string]string{"handler": "/boom", "method": "GET"}); g.GetGauge().GetValue() != 0 {
		t.Errorf("gauge left at %v", g.GetGauge().GetValue())
	}
}

func TestStatusClass(t *testing.T) {
	for code, want := range map[int]string{200: "2xx", 204: "2xx", 301: "3xx", 404: "4xx", 499: "4xx", 500: "5xx", 503: "5xx", 101: "1xx", 0: "0xx", 999: "0xx"} {
		if got := statusClass(code); got != want {
			t.Errorf("statusClass(%d) = %s, want %s", code, got, want)
		}
	}
}

func TestListenAddr(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		host, port, want, err string
	}{
		{"", "", "127.0.0.1:8080", ""},
		{"0.0.0.0", "9000", "0.0.0.0:9000", ""},
		{"::1", "9000", "[::1]:9000", ""},
		{"", "http", "", `PORT must be a TCP port number (1-65535), not "http"`},
		{"", "70000", "", "PORT must be"},
		{"", "0", "", "PORT must be"},
	}
	for _, c := range cases {
		got, err := listenAddr(env(map[string]string{"HOST": c.host, "PORT": c.port}))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q:%q: error %v, want %q", c.host, c.port, err, c.err)
			}
		} else if err != nil || got != c.want {
			t.Errorf("%q:%q: %q %v, want %q", c.host, c.port, got, err, c.want)
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// startReal runs this test binary as the server (see TestMain) with extra environment.
func startReal(t *testing.T, extra ...string) (*exec.Cmd, string, *bytes.Buffer) {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append([]string{"GOLANG_SERVER_UNDER_TEST=1", "HOST=127.0.0.1", "PORT=" + port}, extra...)...)
	var log bytes.Buffer
	cmd.Stderr = &log
	cmd.Stdout = &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	base := "http://127.0.0.1:" + port
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, base, &log
			}
		}
	}
	t.Fatalf("server never became healthy; log:\n%s", log.String())
	return nil, "", nil
}

func TestSIGTERMDrainsInFlightRequestAndExits0(t *testing.T) {
	cmd, base, log := startReal(t)
	result := make(chan string, 1)
	go func() {
		resp, err := http.Get(base + "/io")
		if err != nil {
			result <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		result <- string(b)
	}()
	// SIGTERM only once the server shows the request in flight (inside its 50 ms sleep)
	inFlight := []byte(`http_requests_inprogress{handler="/io",method="GET"} 1`)
	for !bytes.Contains(do(t, http.DefaultClient, "GET", base+"/metrics").body, inFlight) {
		if len(result) > 0 {
			t.Fatal("the /io request finished before it was seen in flight")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v; log:\n%s", err, log.String())
	}
	if got := <-result; got != `{"slept_ms":50}` {
		t.Errorf("in-flight /io got %q", got)
	}
	if strings.Contains(log.String(), "GET /") {
		t.Errorf("access log lines in output:\n%s", log.String())
	}
}

func TestStartupLineRecordsGOMAXPROCS(t *testing.T) {
	cmd, base, log := startReal(t, "GOMAXPROCS=1")
	r := do(t, http.DefaultClient, "GET", base+"/metrics")
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
	first := strings.SplitN(log.String(), "\n", 2)[0]
	for _, want := range []string{"golang: serving on 127.0.0.1:", "gomaxprocs=1", "gomaxprocs.source=env", "godebug.containermaxprocs=0"} {
		if !strings.Contains(first, want) {
			t.Errorf("startup line %q lacks %q", first, want)
		}
	}
	if !bytes.Contains(r.body, []byte("\ngo_sched_gomaxprocs_threads 1\n")) {
		t.Errorf("/metrics does not show go_sched_gomaxprocs_threads 1")
	}
}
