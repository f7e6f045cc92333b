// HTTP metrics with the names, labels and buckets every contender shares (DESIGN.md section 2),
// so that one PromQL query serves FastAPI, Go and C alike:
//
//	http_requests_total{method,handler,status}      status is the class: "2xx", "4xx", ...
//	http_request_duration_seconds{method,handler}   the study's 14 buckets, not DefBuckets
//	http_requests_inprogress{method,handler}
//
// handler is the route template fixed at registration ("none" for the catch-all), never the raw
// path, so label cardinality stays bounded. Timing starts when net/http hands over the request,
// i.e. once its headers have been read. The client library's promhttp middleware is not used:
// it labels by status code ("200"), not by class, and has no handler label of its own.
package main

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// durationBuckets are the study's bounds in seconds (+Inf is implicit).
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

var statusClasses = [...]string{"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"}

type httpMetrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	inprogress *prometheus.GaugeVec
}

// newHTTPMetrics creates the three families and registers them with reg (panics on a duplicate,
// as the client library's MustRegister does: a programming error).
func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "Total number of requests by method, status and handler.",
		}, []string{"method", "handler", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Duration of HTTP requests in seconds.",
			Buckets: durationBuckets,
		}, []string{"method", "handler"}),
		inprogress: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "http_requests_inprogress",
			Help: "Number of HTTP requests in progress.",
		}, []string{"method", "handler"}),
	}
	reg.MustRegister(m.requests, m.duration, m.inprogress)
	return m
}

func statusClass(code int) string {
	if c := code / 100; c >= 1 && c <= 5 {
		return statusClasses[c]
	}
	return statusClasses[0]
}

// statusRecorder remembers the status a handler wrote (200 if it never called WriteHeader).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// instrument wraps next so that each request through it is counted, timed and tracked in
// flight under the given handler label.
func (m *httpMetrics) instrument(handler string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		inflight := m.inprogress.WithLabelValues(r.Method, handler)
		inflight.Inc()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			// a panicking handler (net/http recovers it and drops the connection) is still
			// counted, as a 5xx, and the gauge comes back down
			status := rec.status
			p := recover()
			if p != nil {
				status = http.StatusInternalServerError
			}
			inflight.Dec()
			m.duration.WithLabelValues(r.Method, handler).Observe(time.Since(start).Seconds())
			m.requests.WithLabelValues(r.Method, handler, statusClass(status)).Inc()
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}
