// The endpoint contract (DESIGN.md section 2) on the standard library's net/http.
//
// Handlers do what a Go service usually does: /json builds a struct and serializes it with
// encoding/json's Marshal (not an Encoder, whose Encode appends a newline the contract forbids),
// /io sleeps in the request's own goroutine (the runtime parks it; nothing else waits), /cpu
// hashes with crypto/sha256. Every body is written with an explicit Content-Length so that a
// 23,930-byte /json is not sent chunked just because it outgrew net/http's write buffer.
// Routes use Go 1.22 method patterns; "/" catches every other path and method as a 404 with the
// handler label "none". /metrics is the default registry's, outside the instrumentation.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const (
	cpuRounds = 100
	ioSleep   = 50 * time.Millisecond
	jsonItems = 5000
)

// cpuBlock is the 4096-byte input of /cpu: byte i is i mod 251.
var cpuBlock = func() []byte {
	b := make([]byte, 4096)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}()

type cpuBody struct {
	Iterations int    `json:"iterations"`
	SHA256     string `json:"sha256"`
}

type ioBody struct {
	SleptMs int `json:"slept_ms"`
}

type jsonBody struct {
	Name  string `json:"name"`
	Value int    `json:"value"`
	Data  []int  `json:"data"`
}

// cpuDigest chains SHA-256 over cpuBlock: d = SHA-256(d || block), cpuRounds times, d empty at
// first. Done on every call; nothing is cached.
func cpuDigest() string {
	h := sha256.New()
	var d []byte
	var sum [sha256.Size]byte
	for i := 0; i < cpuRounds; i++ {
		h.Reset()
		h.Write(d)
		h.Write(cpuBlock)
		d = h.Sum(sum[:0])
	}
	return hex.EncodeToString(d)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func healthHandler(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", "2")
	w.Write([]byte("ok"))
}

func cpuHandler(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, cpuBody{Iterations: cpuRounds, SHA256: cpuDigest()})
}

func ioHandler(w http.ResponseWriter, _ *http.Request) {
	time.Sleep(ioSleep)
	writeJSON(w, ioBody{SleptMs: int(ioSleep / time.Millisecond)})
}

func jsonHandler(w http.ResponseWriter, _ *http.Request) {
	body := jsonBody{Name: "benchmark", Value: 42, Data: make([]int, jsonItems)}
	for i := range body.Data {
		body.Data[i] = i
	}
	writeJSON(w, body)
}

// newMux routes the contract. m instruments every route but /metrics; g is what /metrics shows.
func newMux(m *httpMetrics, g prometheus.Gatherer) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /health", m.instrument("/health", http.HandlerFunc(healthHandler)))
	mux.Handle("GET /cpu", m.instrument("/cpu", http.HandlerFunc(cpuHandler)))
	mux.Handle("GET /io", m.instrument("/io", http.HandlerFunc(ioHandler)))
	mux.Handle("GET /json", m.instrument("/json", http.HandlerFunc(jsonHandler)))
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	mux.Handle("/", m.instrument("none", http.HandlerFunc(http.NotFound)))
	return mux
}
