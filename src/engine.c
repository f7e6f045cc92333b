/* engine.c: runs a load test: N worker threads, each with its own epoll loop, VUs, connections,
 * histograms and counters, and a main thread that only observes.
 *
 * Key decisions. Nothing is shared per request: a worker records into its own histograms and
 * counters and publishes a few progress numbers with single-writer relaxed stores. Schedules are
 * pure functions (sched.c) that every worker evaluates by itself: VU k lives on worker
 * (k-1) mod N and is active while k <= the planned level; arrival-rate iteration n goes to
 * worker (n-1) mod N, which gives it to one of its own idle VUs or drops it. Per-second series:
 * each worker writes its second into a ring of 4 small "second" sets and publishes the second it
 * is in; the main thread merges a second once every worker has moved past it. Full-run
 * histograms are merged once, after the workers are joined.
 * Timers: think time sits in a per-worker binary heap; request timeouts and graceful-stop
 * deadlines are found by a scan (cheaper than a heap update per request) on a 10-ms grid from
 * the start: at the first grid point at or after the earliest deadline, not every 10 ms.
 * epoll_pwait2 gives ns-resolution waits.
 * Wake-ups are the cost at low rates (a timer wake is ~35 us of CPU on a small VM, far more
 * than the send and read of a request), so a worker wakes only for what is due: no periodic
 * ticks; an eventfd wakes it on abort. When its next deadline (a due iteration, a think time)
 * is at most DEFER_NS away, it sleeps to it without waking for responses and reads them then:
 * their times come from the kernel's receive timestamps (conn.c), so the figures do not move,
 * and a request costs one wake instead of two. Not in closed models without think time (the
 * next request must follow the response at once).
 * Threads follow the workload, not the core count: one per 10,000 requests/s expected.
 * Coordinated omission: open-model latency is also recorded from the intended (due) start; an
 * iteration dropped for lack of a free VU enters that corrected trend with the time from its
 * due time until the worker next had a free VU, a lower bound of what it would have waited. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "conn.h"
#include "progress.h"
#include "schedule.h"

#define NS 1000000000LL
#define RING 4
#define SCAN_NS 10000000LL
#define MAX_WAIT_NS NS
#define DEFER_NS 5000000LL
#define RATE_PER_THREAD 10000.0
#define WAKE_TAG UINT64_MAX
#define PENDING_CAP 8192
#define RBUF 65536

enum vu_state { VU_OFF, VU_REQ, VU_THINK };

struct vu {
  struct conn c;
  int64_t num;             /* global VU number (closed models) */
  enum vu_state state;
  int64_t iter_start, intended, wake, stop_at;
  int64_t done_at;         /* the request's response completed (kernel time when known) */
  size_t heap_idx;
  bool init;               /* initialised (counts in vus_max) */
};

struct second {
  int64_t sec;
  struct hist *h[T_COUNT];   /* DURATION and CORRECTED always; the rest when thresholds need them */
  uint64_t reqs, failed, iterations, interrupted, dropped, sent, received;
  uint64_t fails[FAIL_COUNT], status_class[6];
};

struct engine;

struct worker {
  pthread_t th;
  int id;
  struct engine *e;
  int ep;
  char *rbuf;
  struct conn_ctx cx;
  struct vu *vus;
  size_t nvus, ninit;
  struct vu **heap;
  size_t nheap;
  struct load_stats st;
  struct second ring[RING];
  int64_t cur_sec;
  int64_t level;             /* closed: planned level as last applied */
  int64_t next_sched;        /* closed: next step (absolute) */
  struct arrival_cursor cur; /* open */
  uint64_t next_n;
  int64_t next_due;          /* absolute, -1 when none left */
  size_t *freestk;
  size_t nfree;
  int64_t *pending;          /* due times of dropped iterations awaiting a free VU */
  size_t pend_head, pend_len;
  uint64_t started, late;
  int64_t active;
  bool in_start;
  bool in_batch;             /* handling an epoll batch: next iterations wait for its end */
  struct vu **ready;         /* VUs whose iteration ended during the batch */
  size_t nready;
  bool end_marked;
  int64_t finished_at;
  int64_t next_scan;         /* earliest timeout / ramp-down deadline, at least SCAN_NS apart */
  int64_t defer_ns;          /* horizon of sleeps that do not wake for responses (0: never) */
  bool warned[FAIL_COUNT];   /* this worker saw that cause already (keeps the atomic off the hot path) */
  int64_t n_want_out;        /* conns waiting for EPOLLOUT (connect, partial write): no deferring */
  /* published for the main thread (single writer) */
  _Atomic int64_t pub_sec, pub_active, pub_init;
  _Atomic uint64_t pub_iters, pub_interrupted;
  _Atomic int pub_done;
  char pad[64];
};

struct engine {
  const struct load_opts *o;
  struct target tg;
  int nthreads;
  bool open;
  bool full_seconds;         /* second sets carry every trend (interim thresholds) */
  int64_t t0, end, hard;
  _Atomic int abort;
  _Atomic int go;            /* workers wait for t0 */
  int wake_fd;               /* eventfd in every worker's epoll set: written on abort */
  int done_fd;               /* eventfd the workers write when they finish (main thread waits) */
  struct worker *w;
  _Atomic int warned[FAIL_COUNT];   /* the first failure of that cause was logged */
  char addr[300];            /* the target's address as numbers, for the failure warnings */
};

static inline int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* a + b for b >= 0, saturating at INT64_MAX: deadlines from durations up to INT64_MAX ns (the
 * parsers accept them, --scale saturates there) must not wrap into the past */
static int64_t add_sat(int64_t a, int64_t b) {
  return b > 0 && a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t rt_offset(void) {
  struct timespec r, m;
  clock_gettime(CLOCK_REALTIME, &r);
  clock_gettime(CLOCK_MONOTONIC, &m);
  return ((int64_t)r.tv_sec - (int64_t)m.tv_sec) * NS + (r.tv_nsec - m.tv_nsec);
}

static void set_abort(struct engine *e) {
  atomic_store(&e->abort, 1);
  uint64_t one = 1;
  if (e->wake_fd >= 0 && write(e->wake_fd, &one, sizeof one) < 0) { /* counter full: already woken */ }
}

/* ---------------------------------------------------------------- think-time heap */

static bool heap_less(struct vu *a, struct vu *b) { return a->wake < b->wake; }
static void heap_swap(struct worker *w, size_t i, size_t j) {
  struct vu *t = w->heap[i];
  w->heap[i] = w->heap[j];
  w->heap[j] = t;
  w->heap[i]->heap_idx = i;
  w->heap[j]->heap_idx = j;
}
static void heap_up(struct worker *w, size_t i) {
  while (i > 0 && heap_less(w->heap[i], w->heap[(i - 1) / 2])) { heap_swap(w, i, (i - 1) / 2); i = (i - 1) / 2; }
}
static void heap_down(struct worker *w, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < w->nheap && heap_less(w->heap[l], w->heap[m])) m = l;
    if (r < w->nheap && heap_less(w->heap[r], w->heap[m])) m = r;
    if (m == i) return;
    heap_swap(w, i, m);
    i = m;
  }
}
static void heap_push(struct worker *w, struct vu *v) {
  v->heap_idx = w->nheap;
  w->heap[w->nheap++] = v;
  heap_up(w, v->heap_idx);
}
static void heap_remove(struct worker *w, struct vu *v) {
  size_t i = v->heap_idx;
  if (i == SIZE_MAX) return;
  w->nheap--;
  if (i != w->nheap) {
    w->heap[i] = w->heap[w->nheap];
    w->heap[i]->heap_idx = i;
    heap_down(w, i);
    heap_up(w, i);
  }
  v->heap_idx = SIZE_MAX;
}

/* ---------------------------------------------------------------- recording */

static struct second *cursec(struct worker *w) { return &w->ring[w->cur_sec % RING]; }

static void rec(struct worker *w, int id, int64_t v) {
  if (v < 0) v = 0;
  hist_record(w->st.trend[id], (uint64_t)v);
  struct hist *h = cursec(w)->h[id];
  if (h) hist_record(h, (uint64_t)v);
}

static void switch_second(struct worker *w, int64_t now) {
  int64_t s = (now - w->e->t0) / NS;
  if (s <= w->cur_sec) return;
  for (int64_t k = w->cur_sec + 1; k <= s && k <= w->cur_sec + RING - 1; k++) {
    struct second *r = &w->ring[k % RING];
    struct hist *h[T_COUNT];
    memcpy(h, r->h, sizeof h);
    for (int i = 0; i < T_COUNT; i++) if (h[i]) hist_reset(h[i]);
    memset(r, 0, sizeof *r);
    memcpy(r->h, h, sizeof h);
    r->sec = k;
  }
  if (s > w->cur_sec + RING - 1) {   /* slept for seconds: skipped ones stay empty */
    struct second *r = &w->ring[s % RING];
    struct hist *h[T_COUNT];
    memcpy(h, r->h, sizeof h);
    for (int i = 0; i < T_COUNT; i++) if (h[i]) hist_reset(h[i]);
    memset(r, 0, sizeof *r);
    memcpy(r->h, h, sizeof h);
    r->sec = s;
  }
  w->cur_sec = s;
  atomic_store_explicit(&w->pub_sec, s, memory_order_release);
}

/* The first failure of each cause is logged when it happens (k6 logs every failed request: a
 * refused port would flood stderr with thousands of lines a second); the rest are counted, and
 * cmd_load sums them up at the end. Requests cut at the hard stop are not logged (k6 neither). */
static void warn_first_failure(struct worker *w, int cause, int status) {
  w->warned[cause] = true;
  if (cause == FAIL_INTERRUPTED || atomic_exchange(&w->e->warned[cause], 1)) return;
  char what[128];
  load_fail_text(cause, status, w->e->o->timeout_ns, what, sizeof what);
  fprintf(stderr, "WARN: request failed: %s (%s) \xe2\x80\x94 further failures of this kind are counted, not logged\n",
          what, w->e->addr);
}

static void count_request(struct worker *w, struct conn *c, int cause, int status) {
  struct second *sc = cursec(w);
  int cls = status >= 100 && status < 600 ? status / 100 : 0;
  w->st.http_reqs++;
  sc->reqs++;
  w->st.status_class[cls]++;
  sc->status_class[cls]++;
  if (cause >= 0) {
    if (!w->warned[cause]) warn_first_failure(w, cause, status);
    w->st.http_req_failed++;
    w->st.fails[cause]++;
    sc->failed++;
    sc->fails[cause]++;
  }
  w->st.data_sent += c->sent;
  w->st.data_received += c->received;
  sc->sent += c->sent;
  sc->received += c->received;
}

/* ---------------------------------------------------------------- VU life */

static void iteration_end(struct worker *w, struct vu *v, int64_t end, int64_t now);

static void request_done(struct worker *w, struct vu *v, int64_t now) {
  struct conn *c = &v->c;
  int64_t tv[T_COUNT];
  /* a response read after a deferred sleep ended when its last byte arrived, not now */
  int64_t end = c->tm.done > 0 && c->tm.done <= now ? c->tm.done : now;
  conn_timings(c, end, tv);
  for (int id = T_HTTP_REQ_BLOCKED; id <= T_HTTP_REQ_RECEIVING; id++) rec(w, id, tv[id]);
  rec(w, T_HTTP_REQ_DURATION, tv[T_HTTP_REQ_DURATION]);
  if (c->cause < 0) rec(w, T_HTTP_REQ_DURATION_EXPECTED, tv[T_HTTP_REQ_DURATION]);
  /* closed models: corrected == measured; the duration histograms stand in for it (merges) */
  if (w->e->open) rec(w, T_HTTP_REQ_DURATION_CORRECTED, end - v->intended);
  count_request(w, c, c->cause, c->status);
  v->done_at = end;
  if (w->in_batch && w->e->o->sleep_ns <= 0) {
    /* Read every response of the batch before writing any next request: the sends are the
     * slow part, and a response waiting behind them would be timed as if it came later. */
    v->state = VU_THINK;
    w->ready[w->nready++] = v;
    return;
  }
  if (w->e->o->sleep_ns > 0 || w->in_start) {
    v->state = VU_THINK;
    v->wake = add_sat(end, w->e->o->sleep_ns);
    heap_push(w, v);
    return;
  }
  iteration_end(w, v, end, now);
}

static void start_iteration(struct worker *w, struct vu *v, int64_t now, int64_t intended) {
  if (v->state == VU_OFF) {
    w->active++;
    v->stop_at = INT64_MAX;
  }
  v->state = VU_REQ;
  v->iter_start = now;
  v->intended = intended;
  w->in_start = true;
  int r = conn_begin(&v->c, &w->cx, now);
  if (r) request_done(w, v, now);
  w->in_start = false;
}

static void vu_off(struct worker *w, struct vu *v) {
  v->state = VU_OFF;
  w->active--;
  conn_close(&v->c, &w->cx);
}

/* Records the corrected latency of dropped iterations now that a VU is free. */
static void flush_pending(struct worker *w, int64_t now) {
  while (w->pend_len) {
    int64_t d = w->pending[w->pend_head];
    w->pend_head = (w->pend_head + 1) % PENDING_CAP;
    w->pend_len--;
    rec(w, T_HTTP_REQ_DURATION_CORRECTED, now - d);
  }
}

/* The iteration of v ended at end (its response, or its think time); now is the current time. */
static void iteration_end(struct worker *w, struct vu *v, int64_t end, int64_t now) {
  w->st.iterations++;
  cursec(w)->iterations++;
  rec(w, T_ITERATION_DURATION, end - v->iter_start);
  struct engine *e = w->e;
  if (e->open) {
    v->state = VU_OFF;
    w->active--;
    w->freestk[w->nfree++] = (size_t)(v - w->vus);
    flush_pending(w, now);
    return;
  }
  if (now < e->end && v->num <= w->level && !atomic_load_explicit(&e->abort, memory_order_relaxed)) {
    v->state = VU_OFF;
    w->active--;
    start_iteration(w, v, now, now);
    return;
  }
  vu_off(w, v);
}

/* Hard cancel: the request in flight is counted (interrupted), the iteration is not complete. */
static void vu_cancel(struct worker *w, struct vu *v) {
  if (v->state == VU_REQ) {
    struct conn *c = &v->c;
    conn_fail(c, &w->cx, FAIL_INTERRUPTED);
    count_request(w, c, FAIL_INTERRUPTED, 0);
  } else if (v->state == VU_THINK) {
    heap_remove(w, v);
  } else {
    return;
  }
  w->st.interrupted++;
  cursec(w)->interrupted++;
  if (w->e->open) {
    v->state = VU_OFF;
    w->active--;
    w->freestk[w->nfree++] = (size_t)(v - w->vus);
  } else {
    vu_off(w, v);
  }
}

/* First point of the scan grid (t0 + k * SCAN_NS) at or after t, and after now. */
static int64_t grid_up(const struct engine *e, int64_t t, int64_t now) {
  if (t <= now) t = now + 1;
  if (t > INT64_MAX - SCAN_NS) return INT64_MAX;
  int64_t k = (t - e->t0 + SCAN_NS - 1) / SCAN_NS;
  return e->t0 + k * SCAN_NS;
}

static void apply_schedule(struct worker *w, int64_t now) {
  struct engine *e = w->e;
  int64_t rel = now - e->t0;
  w->level = sched_vus_at(e->o, rel);
  int64_t nx = sched_vus_next(e->o, rel);
  w->next_sched = nx == INT64_MAX ? INT64_MAX : e->t0 + nx;
  for (size_t i = 0; i < w->nvus; i++) {
    struct vu *v = &w->vus[i];
    if (v->num <= w->level) {
      v->init = true;
      if (v->state == VU_OFF && now < e->end) start_iteration(w, v, now, now);
      else v->stop_at = INT64_MAX;      /* target went back up: keep going */
    } else if (v->state != VU_OFF && v->stop_at == INT64_MAX) {
      v->stop_at = add_sat(now, e->o->graceful_ramp_down_ns);
      if (v->stop_at < w->next_scan) w->next_scan = grid_up(e, v->stop_at, now);
    }
  }
  size_t init = 0;
  for (size_t i = 0; i < w->nvus; i++) init += w->vus[i].init;
  w->ninit = init;
}

static void dispatch_due(struct worker *w, int64_t due, int64_t now) {
  if (w->nfree) {
    struct vu *v = &w->vus[w->freestk[--w->nfree]];
    w->started++;
    if (now - due > SCAN_NS) w->late++;
    start_iteration(w, v, now, due);
    return;
  }
  w->st.dropped_iterations++;
  cursec(w)->dropped++;
  if (w->pend_len == PENDING_CAP) flush_pending(w, now);
  w->pending[(w->pend_head + w->pend_len++) % PENDING_CAP] = due;
  if (w->ninit < w->nvus) {   /* like k6: this one is dropped, one more VU is made ready */
    struct vu *v = &w->vus[w->ninit++];
    v->init = true;
    w->freestk[w->nfree++] = (size_t)(v - w->vus);
  }
}

/* Cancels VUs past their ramp-down deadline, fails timed-out requests, and sets when to look
 * again: the grid point at or after the earliest deadline left, or after now + timeout (a
 * request started later times out later). */
static void scan(struct worker *w, int64_t now) {
  const struct load_opts *o = w->e->o;
  int64_t tmo = o->timeout_ns > 0 ? o->timeout_ns : SCAN_NS;
  int64_t next = add_sat(now, tmo);
  for (size_t i = 0; i < w->nvus; i++) {
    struct vu *v = &w->vus[i];
    if (v->state == VU_OFF) continue;
    if (now >= v->stop_at) { vu_cancel(w, v); continue; }
    if (v->state == VU_REQ && now - v->c.tm.start >= o->timeout_ns) {
      conn_fail(&v->c, &w->cx, FAIL_TIMEOUT);
      request_done(w, v, now);
    }
    if (v->state == VU_OFF) continue;
    if (v->stop_at < next) next = v->stop_at;
    if (v->state == VU_REQ && add_sat(v->c.tm.start, tmo) < next) next = add_sat(v->c.tm.start, tmo);
  }
  w->next_scan = grid_up(w->e, next, now);
}

static void publish(struct worker *w) {
  atomic_store_explicit(&w->pub_active, w->active, memory_order_relaxed);
  atomic_store_explicit(&w->pub_init, (int64_t)w->ninit, memory_order_relaxed);
  atomic_store_explicit(&w->pub_iters, w->st.iterations, memory_order_relaxed);
  atomic_store_explicit(&w->pub_interrupted, w->st.interrupted, memory_order_relaxed);
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
  struct engine *e = w->e;
  const struct load_opts *o = e->o;
  struct epoll_event evs[256];
  while (!atomic_load_explicit(&e->go, memory_order_acquire)) {
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
  }
  int64_t now = now_ns();
  switch_second(w, now);
  w->next_scan = grid_up(e, add_sat(now, o->timeout_ns > 0 ? o->timeout_ns : SCAN_NS), now);
  if (e->open) {
    arrival_init(&w->cur, o);
    w->next_n = (uint64_t)w->id + 1;
    int64_t d = arrival_due(&w->cur, w->next_n);
    w->next_due = d < 0 ? -1 : e->t0 + d;
  } else {
    apply_schedule(w, now);
  }
  for (;;) {
    now = now_ns();
    switch_second(w, now);
    if (atomic_load_explicit(&e->abort, memory_order_relaxed)) break;
    if (e->open) {
      while (w->next_due >= 0 && w->next_due <= now) {
        dispatch_due(w, w->next_due, now);
        w->next_n += (uint64_t)e->nthreads;
        int64_t d = arrival_due(&w->cur, w->next_n);
        w->next_due = d < 0 ? -1 : e->t0 + d;
      }
    } else if (now >= w->next_sched) {
      apply_schedule(w, now);
    }
    if (now >= e->hard) break;
    if (now >= e->end && !w->end_marked) {
      /* past the end: no new iterations; running ones get until the hard stop */
      w->end_marked = true;
      w->level = 0;
      w->next_sched = INT64_MAX;
    }
    while (w->nheap && w->heap[0]->wake <= now) {
      struct vu *v = w->heap[0];
      heap_remove(w, v);
      iteration_end(w, v, now, now);
    }
    if (now >= w->next_scan) scan(w, now);
    publish(w);
    if (now >= e->end && w->active == 0 && (!e->open || w->next_due < 0)) break;

    int64_t wake = now + MAX_WAIT_NS;
    if (w->active && w->next_scan < wake) wake = w->next_scan;
    if (!e->open && w->next_sched < wake) wake = w->next_sched;
    if (e->open && w->next_due >= 0 && w->next_due < wake) wake = w->next_due;
    if (w->nheap && w->heap[0]->wake < wake) wake = w->heap[0]->wake;
    if (e->end > now && e->end < wake) wake = e->end;
    if (e->hard < wake) wake = e->hard;
    int64_t sec_edge = e->t0 + (w->cur_sec + 1) * NS;
    if (sec_edge < wake) wake = sec_edge;
    int64_t dt = wake - now;
    if (dt < 0) dt = 0;
    int n;
    if (dt > 0 && dt <= w->defer_ns && w->n_want_out == 0) {
      /* the next deadline is near: sleep to it, then read whatever arrived meanwhile */
      struct timespec at = {.tv_sec = wake / NS, .tv_nsec = wake % NS}, zero = {0, 0};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) == EINTR) {}
      n = epoll_pwait2(w->ep, evs, 256, &zero, NULL);
    } else {
      struct timespec ts = {.tv_sec = dt / NS, .tv_nsec = dt % NS};
      n = epoll_pwait2(w->ep, evs, 256, &ts, NULL);
    }
    if (n <= 0) continue;
    w->cx.rt_off = rt_offset();
    w->in_batch = true;
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u64 == WAKE_TAG) continue;   /* abort: seen at the top of the loop */
      now = now_ns();   /* per event: a batch takes a while to work through */
      switch_second(w, now);
      struct vu *v = &w->vus[(uint32_t)evs[i].data.u64];
      if ((uint32_t)(evs[i].data.u64 >> 32) != v->c.gen) continue;   /* for a socket since closed */
      if (conn_on_event(&v->c, &w->cx, evs[i].events, now) && v->state == VU_REQ) request_done(w, v, now);
    }
    w->in_batch = false;
    /* Each next request is stamped when its own turn comes: a VU waiting behind the sends of
     * the VUs before it is the generator's delay, not the server's, and is not timed. */
    for (size_t i = 0; i < w->nready; i++) iteration_end(w, w->ready[i], w->ready[i]->done_at, now_ns());
    w->nready = 0;
  }
  /* hard stop, abort or done: whatever is still running is counted interrupted */
  now = now_ns();
  switch_second(w, now);
  for (size_t i = 0; i < w->nvus; i++) vu_cancel(w, &w->vus[i]);
  flush_pending(w, now);
  for (size_t i = 0; i < w->nvus; i++) conn_close(&w->vus[i].c, &w->cx);
  publish(w);
  w->finished_at = now;
  atomic_store_explicit(&w->pub_sec, INT64_MAX, memory_order_release);
  atomic_store_explicit(&w->pub_done, 1, memory_order_release);
  uint64_t one = 1;
  if (e->done_fd >= 0 && write(e->done_fd, &one, sizeof one) < 0) { /* the main thread also polls */ }
  return NULL;
}

/* ---------------------------------------------------------------- setup / teardown */

static void stats_counters_add(struct load_stats *d, const struct load_stats *s) {
  d->http_reqs += s->http_reqs;
  d->http_req_failed += s->http_req_failed;
  for (int i = 0; i < FAIL_COUNT; i++) d->fails[i] += s->fails[i];
  for (int i = 0; i < 6; i++) d->status_class[i] += s->status_class[i];
  d->iterations += s->iterations;
  d->interrupted += s->interrupted;
  d->dropped_iterations += s->dropped_iterations;
  d->data_sent += s->data_sent;
  d->data_received += s->data_received;
}

static int stats_alloc(struct load_stats *s) {
  for (int i = 0; i < T_COUNT; i++)
    if (!(s->trend[i] = hist_new())) return -ENOMEM;
  return 0;
}

void load_stats_free(struct load_stats *s) {
  if (!s) return;
  for (int i = 0; i < T_COUNT; i++) {
    hist_free(s->trend[i]);
    s->trend[i] = NULL;
  }
}

static int worker_setup(struct engine *e, struct worker *w, int id) {
  const struct load_opts *o = e->o;
  int n = e->nthreads;
  w->id = id;
  w->e = e;
  w->cur_sec = -1;
  w->ep = epoll_create1(EPOLL_CLOEXEC);
  if (w->ep < 0) return -errno;
  w->rbuf = malloc(RBUF);
  if (!w->rbuf) return -ENOMEM;
  w->cx = (struct conn_ctx){.ep = w->ep, .tg = &e->tg, .rbuf = w->rbuf, .rcap = RBUF, .rt_off = rt_offset(),
                            .n_want_out = &w->n_want_out};
  struct epoll_event wev = {.events = EPOLLIN, .data.u64 = WAKE_TAG};
  if (epoll_ctl(w->ep, EPOLL_CTL_ADD, e->wake_fd, &wev) < 0) return -errno;
  /* deferring a response holds its VU a little longer: never past a think time */
  if (e->open) w->defer_ns = DEFER_NS;
  else if (o->sleep_ns > 0) w->defer_ns = o->sleep_ns / 4 < DEFER_NS ? o->sleep_ns / 4 : DEFER_NS;
  /* response times from the kernel in every mode: deferred reads need them, and in a busy batch
   * they keep a response read after others from being timed as late as its turn to be read
   * (measured: 60 VUs against exact 50-ms answers, median 50.43 -> 50.23 ms; ~2-3 % fewer
   * requests per CPU-second at saturation) */
  w->cx.rx_ts = true;
  int rc = stats_alloc(&w->st);
  if (rc) return rc;
  for (int r = 0; r < RING; r++) {
    for (int i = 0; i < T_COUNT; i++) {
      if (!e->full_seconds && i != T_HTTP_REQ_DURATION && i != T_HTTP_REQ_DURATION_CORRECTED) continue;
      if (!(w->ring[r].h[i] = hist_new())) return -ENOMEM;
    }
    w->ring[r].sec = -1;
  }
  size_t pre = 0;
  if (e->open) {
    int64_t mx = o->max_vus > o->pre_allocated_vus ? o->max_vus : o->pre_allocated_vus;
    w->nvus = (size_t)(mx / n + (id < mx % n));
    pre = (size_t)(o->pre_allocated_vus / n + (id < o->pre_allocated_vus % n));
  } else {
    int64_t peak = sched_vus_peak(o);
    w->nvus = (size_t)(peak / n + (id < peak % n));
  }
  w->vus = calloc(w->nvus ? w->nvus : 1, sizeof *w->vus);
  w->heap = calloc(w->nvus ? w->nvus : 1, sizeof *w->heap);
  w->freestk = calloc(w->nvus ? w->nvus : 1, sizeof *w->freestk);
  w->ready = calloc(w->nvus ? w->nvus : 1, sizeof *w->ready);
  w->pending = calloc(PENDING_CAP, sizeof *w->pending);
  if (!w->vus || !w->heap || !w->freestk || !w->pending || !w->ready) return -ENOMEM;
  for (size_t i = 0; i < w->nvus; i++) {
    struct vu *v = &w->vus[i];
    conn_init(&v->c, i);
    v->num = id + 1 + (int64_t)i * n;
    v->heap_idx = SIZE_MAX;
    v->stop_at = INT64_MAX;
  }
  if (e->open) {
    /* preAllocatedVUs are initialised before the start, handed out lowest first */
    for (size_t i = 0; i < pre; i++) w->vus[i].init = true;
    w->ninit = pre;
    for (size_t i = pre; i > 0; i--) w->freestk[w->nfree++] = i - 1;
  }
  return 0;
}

static void worker_free(struct worker *w) {
  if (w->ep > 0) close(w->ep);
  free(w->rbuf);
  free(w->vus);
  free(w->heap);
  free(w->freestk);
  free(w->ready);
  free(w->pending);
  load_stats_free(&w->st);
  for (int r = 0; r < RING; r++)
    for (int i = 0; i < T_COUNT; i++) hist_free(w->ring[r].h[i]);
}

/* Highest request rate the plan asks for (per second), or -1 when it is open-ended: a closed
 * model without think time runs as fast as the server answers. */
static double planned_rate(const struct load_opts *o, bool open) {
  if (!open) {
    if (o->sleep_ns <= 0) return -1;
    return (double)sched_vus_peak(o) * (double)NS / (double)o->sleep_ns;
  }
  double r = o->executor == EXEC_CONSTANT_ARRIVAL_RATE ? o->rate : o->start_rate;
  if (o->executor != EXEC_CONSTANT_ARRIVAL_RATE)
    for (size_t i = 0; i < o->nstages; i++) if (o->stages[i].target > r) r = o->stages[i].target;
  int64_t tu = o->time_unit_ns > 0 ? o->time_unit_ns : NS;
  return r * (double)NS / (double)tu;
}

static int auto_threads(const struct load_opts *o, bool open) {
  int n = o->threads;
  if (n <= 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    n = c < 1 ? 1 : c > 4 ? 4 : (int)c;
    /* every extra thread is one more set of wake-ups: use only as many as the rate needs */
    double r = planned_rate(o, open);
    if (r >= 0) {
      double need = r / RATE_PER_THREAD;
      if (need < n) n = need <= 1 ? 1 : (int)need + (need > (int)need);
    }
  }
  int64_t vus = open ? (o->max_vus > o->pre_allocated_vus ? o->max_vus : o->pre_allocated_vus) : sched_vus_peak(o);
  if (vus < 1) vus = 1;
  if (n > vus) n = (int)vus;
  return n;
}

/* ---------------------------------------------------------------- main thread */

struct observer {
  struct engine *e;
  struct series *series;
  struct load_stats interim;   /* whole-run aggregate from the seconds, for abortOnFail */
  struct hist *dur, *cor;      /* scratch for one second's merge */
  bool have_interim;
  int64_t next_sec;            /* the next second to collect */
  int64_t vus_last, vus_min, vus_max;
  bool vus_seen;
  double cpu_last, cpu_peak;
  int64_t cpu_wall_last;
  bool tty;
  int drawn;                   /* lines of the last TTY draw */
};

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void snapshot(struct engine *e, struct progress_snap *p, int64_t now, bool done) {
  memset(p, 0, sizeof *p);
  p->elapsed_ns = now - e->t0;
  for (int i = 0; i < e->nthreads; i++) {
    struct worker *w = &e->w[i];
    p->active += atomic_load_explicit(&w->pub_active, memory_order_relaxed);
    p->init += atomic_load_explicit(&w->pub_init, memory_order_relaxed);
    p->complete += atomic_load_explicit(&w->pub_iters, memory_order_relaxed);
    p->interrupted += atomic_load_explicit(&w->pub_interrupted, memory_order_relaxed);
  }
  const struct load_opts *o = e->o;
  p->max_vus = e->open ? (o->max_vus > o->pre_allocated_vus ? o->max_vus : o->pre_allocated_vus) : sched_vus_peak(o);
  p->done = done;
}

static void draw(struct observer *ob, int64_t now, bool done) {
  struct engine *e = ob->e;
  if (e->o->quiet) return;
  struct progress_snap p;
  char buf[1024];
  snapshot(e, &p, now, done);
  progress_render(buf, sizeof buf, e->o, &p, ob->tty);
  if (ob->tty) {
    if (ob->drawn) printf("\x1b[%dA", ob->drawn);
    char *line = buf, *nl;
    int lines = 0;
    while ((nl = strchr(line, '\n'))) {
      printf("%.*s\x1b[K\n", (int)(nl - line), line);
      line = nl + 1;
      lines++;
    }
    printf("%s\x1b[K\n", line);
    ob->drawn = lines + 1;
  } else {
    printf("\n%s\n", buf);
  }
  fflush(stdout);
}

/* Collects second s from every worker (they have all moved past it). */
static void collect_second(struct observer *ob, int64_t s, int64_t now, bool done) {
  struct engine *e = ob->e;
  struct series_point pt = {0};
  struct hist *dur = ob->dur, *cor = ob->cor;
  hist_reset(dur);
  hist_reset(cor);
  for (int i = 0; i < e->nthreads; i++) {
    struct second *r = &e->w[i].ring[s % RING];
    if (r->sec != s) continue;
    pt.reqs += r->reqs;
    pt.failed += r->failed;
    pt.iterations += r->iterations;
    pt.dropped += r->dropped;
    pt.data_sent += r->sent;
    pt.data_received += r->received;
    hist_merge(dur, r->h[T_HTTP_REQ_DURATION]);
    hist_merge(cor, r->h[e->open ? T_HTTP_REQ_DURATION_CORRECTED : T_HTTP_REQ_DURATION]);
    if (ob->have_interim) {
      struct load_stats *a = &ob->interim;
      for (int t = 0; t < T_COUNT; t++) if (r->h[t]) hist_merge(a->trend[t], r->h[t]);
      if (!e->open) hist_merge(a->trend[T_HTTP_REQ_DURATION_CORRECTED], r->h[T_HTTP_REQ_DURATION]);
      a->http_reqs += r->reqs;
      a->http_req_failed += r->failed;
      for (int f = 0; f < FAIL_COUNT; f++) a->fails[f] += r->fails[f];
      for (int c = 0; c < 6; c++) a->status_class[c] += r->status_class[c];
      a->iterations += r->iterations;
      a->interrupted += r->interrupted;
      a->dropped_iterations += r->dropped;
      a->data_sent += r->sent;
      a->data_received += r->received;
    }
  }
  struct progress_snap p;
  snapshot(e, &p, now, false);
  int64_t vus = p.active;
  if (!done || !ob->vus_seen) {   /* the gauge is sampled while running, as k6's 1-s ticker */
    ob->vus_last = vus;
    if (!ob->vus_seen || vus < ob->vus_min) ob->vus_min = vus;
    if (!ob->vus_seen || vus > ob->vus_max) ob->vus_max = vus;
    ob->vus_seen = true;
  }
  pt.t_s = s + 1;
  pt.vus = vus;
  /* no samples (only requests cut at the hard stop): no latency, not 0 ms */
  bool have = hist_count(dur) > 0;
  pt.p50_ms = have ? hist_percentile(dur, 50) / 1e6 : NAN;
  pt.p90_ms = have ? hist_percentile(dur, 90) / 1e6 : NAN;
  pt.p95_ms = have ? hist_percentile(dur, 95) / 1e6 : NAN;
  pt.p99_ms = have ? hist_percentile(dur, 99) / 1e6 : NAN;
  pt.max_ms = have ? (double)hist_max(dur) / 1e6 : NAN;
  pt.p99_corrected_ms = hist_count(cor) > 0 ? hist_percentile(cor, 99) / 1e6 : NAN;
  if (ob->series) series_write(ob->series, &pt);
  /* generator CPU over the last second */
  double cpu = cpu_seconds();
  int64_t wall = now - ob->cpu_wall_last;
  if (wall > NS / 2) {
    double share = (cpu - ob->cpu_last) / ((double)wall / 1e9);
    if (share > ob->cpu_peak) ob->cpu_peak = share;
    ob->cpu_last = cpu;
    ob->cpu_wall_last = now;
  }
}

static bool all_past(struct engine *e, int64_t s) {
  for (int i = 0; i < e->nthreads; i++)
    if (atomic_load_explicit(&e->w[i].pub_sec, memory_order_acquire) <= s) return false;
  return true;
}

static bool all_done(struct engine *e) {
  for (int i = 0; i < e->nthreads; i++)
    if (!atomic_load_explicit(&e->w[i].pub_done, memory_order_acquire)) return false;
  return true;
}

static bool check_abort(struct observer *ob, int64_t now) {
  struct engine *e = ob->e;
  struct load_opts *o = (struct load_opts *)e->o;   /* thresholds_eval records ->failed */
  if (!ob->have_interim || ob->interim.http_reqs == 0) return false;
  ob->interim.run_duration_ns = now - e->t0;
  ob->interim.vus = ob->vus_last;
  ob->interim.vus_min = ob->vus_min;
  ob->interim.vus_max = ob->vus_max;
  thresholds_eval(o, &ob->interim);
  for (size_t i = 0; i < o->nthresholds; i++) {
    struct threshold *t = &o->thresholds[i];
    if (t->abort_on_fail && t->failed && (t->delay_abort_eval_ns <= 0 || now - e->t0 > t->delay_abort_eval_ns))
      return true;
  }
  return false;
}

int engine_run(const struct load_opts *o, volatile int *stop_flag, struct load_stats *out) {
  char err[512];
  struct engine e;
  struct observer ob;
  memset(&e, 0, sizeof e);
  memset(&ob, 0, sizeof ob);
  memset(out, 0, sizeof *out);
  e.o = o;
  e.open = sched_is_arrival(o);
  e.wake_fd = e.done_fd = -1;
  int rc = target_init(&e.tg, o, err, sizeof err);
  if (rc) {
    fprintf(stderr, "pocbench load: %s\n", err);
    return rc;
  }
  char hn[64], sv[16];
  if (getnameinfo((struct sockaddr *)&e.tg.addr, e.tg.addrlen, hn, sizeof hn, sv, sizeof sv, NI_NUMERICHOST | NI_NUMERICSERV))
    snprintf(e.addr, sizeof e.addr, "%s", e.tg.host);
  else
    snprintf(e.addr, sizeof e.addr, e.tg.addr.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", hn, sv);
  for (size_t i = 0; i < o->nthresholds; i++)
    if (o->thresholds[i].abort_on_fail && !o->no_thresholds) e.full_seconds = true;
  e.nthreads = auto_threads(o, e.open);
  e.w = calloc((size_t)e.nthreads, sizeof *e.w);
  if (!e.w) { target_free(&e.tg); return -ENOMEM; }
  int started = 0;
  e.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  e.done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ob.dur = hist_new();
  ob.cor = hist_new();
  if (e.wake_fd < 0 || e.done_fd < 0) rc = -errno;
  else if (!ob.dur || !ob.cor) rc = -ENOMEM;
  for (int i = 0; i < e.nthreads && !rc; i++) rc = worker_setup(&e, &e.w[i], i);
  if (!rc && e.full_seconds) {
    rc = stats_alloc(&ob.interim);
    ob.have_interim = rc == 0;
  }
  if (!rc && (o->out_csv || o->out_json)) {
    rc = series_open(&ob.series, o);
    if (rc) fprintf(stderr, "pocbench load: cannot open the series output: %s\n", strerror(-rc));
  }
  for (int i = 0; i < e.nthreads && !rc; i++) {
    rc = -pthread_create(&e.w[i].th, NULL, worker_main, &e.w[i]);
    if (!rc) started++;
  }
  if (rc) {
    /* cannot start every worker: release the started ones with abort set */
    e.t0 = now_ns();
    e.end = e.hard = e.t0;
    set_abort(&e);
    atomic_store(&e.go, 1);
    goto cleanup;
  }
  e.t0 = now_ns();
  e.end = add_sat(e.t0, sched_end_ns(o));
  e.hard = add_sat(e.end, o->graceful_stop_ns);
  ob.e = &e;
  ob.tty = isatty(STDOUT_FILENO) && !o->quiet;
  ob.cpu_last = cpu_seconds();
  ob.cpu_wall_last = e.t0;
  atomic_store_explicit(&e.go, 1, memory_order_release);

  int64_t next_draw = e.t0 + (ob.tty ? 100000000LL : 5 * NS), next_eval = e.t0 + 2 * NS;
  for (;;) {
    int64_t now = now_ns();
    bool done = all_done(&e);
    while (all_past(&e, ob.next_sec) && ob.next_sec < (now - e.t0) / NS + (done ? 1 : 0)) {
      collect_second(&ob, ob.next_sec, now, done);
      ob.next_sec++;
    }
    if (done) break;
    if (!atomic_load(&e.abort)) {
      if (stop_flag && *stop_flag) {
        out->aborted = true;
        set_abort(&e);
      } else if (now >= next_eval) {
        next_eval += 2 * NS;
        if (check_abort(&ob, now)) {
          out->aborted = true;
          set_abort(&e);
        }
      }
    }
    if (now >= next_draw) {
      draw(&ob, now, false);
      next_draw += ob.tty ? 100000000LL : 5 * NS;
      if (next_draw < now) next_draw = now + (ob.tty ? 100000000LL : 5 * NS);
    }
    /* sleep until the next second can be collected, a draw or an evaluation is due, or a
     * worker finishes; at most 100 ms, so a stop signal is seen soon */
    int64_t wake = e.t0 + (ob.next_sec + 1) * NS + 2000000;
    if (wake <= now) wake = now + 20000000;   /* a worker has not moved on yet */
    if (!o->quiet && next_draw < wake) wake = next_draw;
    if (ob.have_interim && next_eval < wake) wake = next_eval;
    if (wake > now + 100000000) wake = now + 100000000;
    int64_t dt = wake > now ? wake - now : 0;
    struct timespec ts = {.tv_sec = dt / NS, .tv_nsec = dt % NS};
    struct pollfd pfd = {.fd = e.done_fd, .events = POLLIN};
    if (ppoll(&pfd, 1, &ts, NULL) > 0) {
      uint64_t v;
      if (read(e.done_fd, &v, sizeof v) < 0) { /* drained by an earlier read */ }
    }
  }
  int64_t fin = e.t0;
  for (int i = 0; i < e.nthreads; i++) {
    pthread_join(e.w[i].th, NULL);
    if (e.w[i].finished_at > fin) fin = e.w[i].finished_at;
  }
  started = 0;
  draw(&ob, fin, true);

  /* merge once */
  rc = stats_alloc(out);
  if (!rc) {
    uint64_t started_it = 0, late = 0, dropped = 0;
    int64_t init = 0;
    for (int i = 0; i < e.nthreads; i++) {
      struct worker *w = &e.w[i];
      for (int t = 0; t < T_COUNT; t++) hist_merge(out->trend[t], w->st.trend[t]);
      if (!e.open) hist_merge(out->trend[T_HTTP_REQ_DURATION_CORRECTED], w->st.trend[T_HTTP_REQ_DURATION]);
      stats_counters_add(out, &w->st);
      started_it += w->started;
      late += w->late;
      dropped += w->st.dropped_iterations;
      init += (int64_t)w->ninit;
    }
    out->vus = ob.vus_seen ? ob.vus_last : 0;
    out->vus_min = ob.vus_min;
    out->vus_max = ob.vus_max;
    out->vus_max_value = init;
    out->run_duration_ns = fin - e.t0;
    out->gen_cpu_seconds = cpu_seconds();
    out->gen_cpu_share_peak = ob.cpu_peak;
    out->threads = e.nthreads;
    if (e.open && started_it + dropped > 0)
      out->rate_missed_fraction = (double)(dropped + late) / (double)(started_it + dropped);
    if (out->gen_cpu_share_peak > 0.9 * e.nthreads)
      fprintf(stderr, "WARN: the load generator used %.0f%% of a core per thread at its peak (%d threads): "
              "it may be the bottleneck; results understate the server\n",
              100 * out->gen_cpu_share_peak / e.nthreads, e.nthreads);
    if (e.open && out->rate_missed_fraction > 0.01)
      fprintf(stderr, "WARN: the target arrival rate was missed by %.1f%% (%llu iterations dropped for lack of a "
              "free VU, %llu started more than 10 ms late)\n", 100 * out->rate_missed_fraction,
              (unsigned long long)dropped, (unsigned long long)late);
    if (e.open && dropped > 0 && init >= (o->max_vus > o->pre_allocated_vus ? o->max_vus : o->pre_allocated_vus))
      fprintf(stderr, "WARN: insufficient VUs: reached %lld VUs (maxVUs) and could not start more\n", (long long)init);
  }
  if (ob.series) {
    int src = series_close(ob.series);
    ob.series = NULL;
    if (src && !rc) rc = src;
  }
cleanup:
  for (int i = 0; i < started; i++) pthread_join(e.w[i].th, NULL);
  if (ob.series) series_close(ob.series);
  load_stats_free(&ob.interim);
  hist_free(ob.dur);
  hist_free(ob.cor);
  for (int i = 0; i < e.nthreads; i++) worker_free(&e.w[i]);
  if (e.wake_fd >= 0) close(e.wake_fd);
  if (e.done_fd >= 0) close(e.done_fd);
  free(e.w);
  target_free(&e.tg);
  if (rc) load_stats_free(out);
  return rc;
}
