/* prom.c: Prometheus text exposition format 0.0.4 (see prom.h).
 *
 * One pass over the text, line by line, never past len (the text need not be NUL-terminated):
 * `# TYPE` and `# HELP` lines make families, other `#` lines are comments, every other
 * non-blank line is a sample `name{label="value",...} value [timestamp]`. Samples keep their
 * full names (http_request_duration_seconds_bucket); the family a sample belongs to is the
 * caller's business, because verify wants to see the raw series and the runner keeps scrapes
 * as they are. A family seen only in HELP has type "untyped", as Prometheus reads it.
 * Values go through strtod on a bounded copy, after checking the token is a number as the
 * format spells it (so "0x10" or "infinity" are errors, not values).
 * Allocation is per string with malloc: a scrape is a few hundred lines, parsed off the hot
 * path; the rejected alternative, one arena for the whole document, would save little and make
 * prom_doc harder to build up by hand in tests. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "prom.h"

struct cur {
  const char *p, *end;      /* the current line, without its newline */
};

static bool is_name_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
static bool is_name_char(int c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
static bool is_label_start(int c) { return is_name_start(c) && c != ':'; }
static bool is_label_char(int c) { return is_name_char(c) && c != ':'; }

static void skip_ws(struct cur *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) c->p++;
}

static char *dup_n(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* A metric name (or, with label=true, a label name). NULL (and *bad set) if absent. */
static char *read_name(struct cur *c, bool label, bool *oom) {
  const char *s = c->p;
  if (c->p >= c->end || !(label ? is_label_start(*c->p) : is_name_start(*c->p))) return NULL;
  c->p++;
  while (c->p < c->end && (label ? is_label_char(*c->p) : is_name_char(*c->p))) c->p++;
  char *d = dup_n(s, (size_t)(c->p - s));
  if (!d) *oom = true;
  return d;
}

/* Unescapes \\, \" and \n (label values; HELP has no \" but accepting it is harmless).
 * quoted: stop at an unescaped '"' (consumed) and fail if none; else run to the line end. */
static char *read_escaped(struct cur *c, bool quoted, const char **why, bool *oom) {
  char *d = malloc((size_t)(c->end - c->p) + 1);
  size_t n = 0;
  if (!d) { *oom = true; return NULL; }
  while (c->p < c->end) {
    char ch = *c->p++;
    if (quoted && ch == '"') { d[n] = '\0'; return d; }
    if (ch == '\\') {
      if (c->p >= c->end) break;
      char e = *c->p++;
      if (e == 'n') d[n++] = '\n';
      else if (e == '\\' || e == '"') d[n++] = e;
      else if (!quoted) { d[n++] = '\\'; d[n++] = e; } /* HELP: other escapes kept as written */
      else { *why = "invalid escape in label value"; free(d); return NULL; }
      continue;
    }
    d[n++] = ch;
  }
  if (quoted) { *why = "unterminated label value"; free(d); return NULL; }
  d[n] = '\0';
  return d;
}

/* Value token per the format: a Go ParseFloat number, or +Inf/-Inf/Inf/NaN. */
static bool parse_value(const char *s, size_t n, double *out) {
  char buf[64];
  if (n == 0 || n >= sizeof buf) return false;
  memcpy(buf, s, n);
  buf[n] = '\0';
  const char *b = buf;
  if (*b == '+' || *b == '-') b++;
  if (!strcmp(b, "Inf") || !strcmp(b, "inf")) { *out = buf[0] == '-' ? -INFINITY : INFINITY; return true; }
  if (!strcmp(buf, "NaN") || !strcmp(buf, "nan")) { *out = NAN; return true; }
  /* digits, one '.', an exponent: nothing else (no hex, no "infinity") */
  bool digit = false, dot = false;
  for (; *b && *b != 'e' && *b != 'E'; b++) {
    if (*b >= '0' && *b <= '9') digit = true;
    else if (*b == '.' && !dot) dot = true;
    else return false;
  }
  if (!digit) return false;
  if (*b) {
    b++;
    if (*b == '+' || *b == '-') b++;
    if (!*b) return false;
    for (; *b; b++) if (*b < '0' || *b > '9') return false;
  }
  char *endp;
  errno = 0;
  *out = strtod(buf, &endp);
  return *endp == '\0';
}

static bool parse_timestamp(const char *s, size_t n) {
  size_t i = 0;
  if (n && s[0] == '-') i++;
  if (i == n) return false;
  for (; i < n; i++) if (s[i] < '0' || s[i] > '9') return false;
  return n < 20;
}

struct builder {
  struct prom_doc *d;
  size_t cap_s, cap_f;
};

static struct prom_family *family_get(struct builder *b, const char *name, size_t n, bool *oom) {
  for (size_t i = 0; i < b->d->nfamilies; i++)
    if (strlen(b->d->families[i].name) == n && !memcmp(b->d->families[i].name, name, n))
      return &b->d->families[i];
  if (b->d->nfamilies == b->cap_f) {
    size_t cap = b->cap_f ? b->cap_f * 2 : 16;
    struct prom_family *f = realloc(b->d->families, cap * sizeof *f);
    if (!f) { *oom = true; return NULL; }
    b->d->families = f;
    b->cap_f = cap;
  }
  struct prom_family *f = &b->d->families[b->d->nfamilies];
  memset(f, 0, sizeof *f);
  f->name = dup_n(name, n);
  if (!f->name) { *oom = true; return NULL; }
  b->d->nfamilies++;
  return f;
}

static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};

/* "# TYPE name type" / "# HELP name text" / any other comment. NULL or an error message. */
static const char *parse_comment(struct builder *b, struct cur *c, bool *oom) {
  c->p++; /* '#' */
  skip_ws(c);
  const char *kw = c->p;
  while (c->p < c->end && *c->p != ' ' && *c->p != '\t') c->p++;
  size_t kwn = (size_t)(c->p - kw);
  bool is_type = kwn == 4 && !memcmp(kw, "TYPE", 4), is_help = kwn == 4 && !memcmp(kw, "HELP", 4);
  if (!is_type && !is_help) return NULL;
  skip_ws(c);
  const char *name = c->p;
  if (c->p >= c->end || !is_name_start(*c->p)) return is_type ? "TYPE without a metric name" : "HELP without a metric name";
  while (c->p < c->end && is_name_char(*c->p)) c->p++;
  size_t namen = (size_t)(c->p - name);
  if (c->p < c->end && *c->p != ' ' && *c->p != '\t') return "invalid character in metric name";
  skip_ws(c);
  struct prom_family *f = family_get(b, name, namen, oom);
  if (!f) return NULL;
  if (is_type) {
    const char *t = c->p;
    while (c->p < c->end && *c->p != ' ' && *c->p != '\t') c->p++;
    size_t tn = (size_t)(c->p - t);
    skip_ws(c);
    if (c->p != c->end) return "trailing text after TYPE";
    const char *known = NULL;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
      if (strlen(types[i]) == tn && !memcmp(types[i], t, tn)) known = types[i];
    if (!known) return "unknown metric type";
    if (f->type) return "second TYPE line for the same metric";
    f->type = dup_n(known, strlen(known));
    if (!f->type) *oom = true;
    return NULL;
  }
  if (f->help) return "second HELP line for the same metric";
  const char *why = NULL;
  f->help = read_escaped(c, false, &why, oom);
  return why;
}

static void sample_free(struct prom_sample *s) {
  free(s->name);
  for (size_t i = 0; i < s->nlabels; i++) {
    free(s->labels[i].name);
    free(s->labels[i].value);
  }
  free(s->labels);
}

static const char *parse_sample(struct builder *b, struct cur *c, bool *oom) {
  struct prom_sample s = {0};
  size_t cap_l = 0;
  const char *why = NULL;
  s.name = read_name(c, false, oom);
  if (!s.name) { why = *oom ? NULL : "expected a metric name"; goto fail; }
  if (c->p < c->end && *c->p == '{') {
    c->p++;
    for (;;) {
      skip_ws(c);
      if (c->p < c->end && *c->p == '}') { c->p++; break; }
      char *ln = read_name(c, true, oom);
      if (!ln) { why = *oom ? NULL : "expected a label name or '}'"; goto fail; }
      if (s.nlabels == cap_l) {
        size_t cap = cap_l ? cap_l * 2 : 4;
        struct prom_label *l = realloc(s.labels, cap * sizeof *l);
        if (!l) { free(ln); *oom = true; goto fail; }
        s.labels = l;
        cap_l = cap;
      }
      for (size_t i = 0; i < s.nlabels; i++)
        if (!strcmp(s.labels[i].name, ln)) { free(ln); why = "duplicate label name"; goto fail; }
      s.labels[s.nlabels].name = ln;
      s.labels[s.nlabels].value = NULL;
      s.nlabels++;
      skip_ws(c);
      if (c->p >= c->end || *c->p != '=') { why = "expected '=' after a label name"; goto fail; }
      c->p++;
      skip_ws(c);
      if (c->p >= c->end || *c->p != '"') { why = "expected '\"' to open a label value"; goto fail; }
      c->p++;
      s.labels[s.nlabels - 1].value = read_escaped(c, true, &why, oom);
      if (!s.labels[s.nlabels - 1].value) goto fail;
      skip_ws(c);
      if (c->p < c->end && *c->p == ',') { c->p++; continue; }
      if (c->p < c->end && *c->p == '}') { c->p++; break; }
      why = "expected ',' or '}' after a label value";
      goto fail;
    }
  }
  if (c->p >= c->end || (*c->p != ' ' && *c->p != '\t')) {
    why = c->p >= c->end ? "sample without a value" : "invalid character after the metric name";
    goto fail;
  }
  skip_ws(c);
  const char *v = c->p;
  while (c->p < c->end && *c->p != ' ' && *c->p != '\t') c->p++;
  if (!parse_value(v, (size_t)(c->p - v), &s.value)) { why = "invalid sample value"; goto fail; }
  skip_ws(c);
  if (c->p < c->end) {
    const char *t = c->p;
    while (c->p < c->end && *c->p != ' ' && *c->p != '\t') c->p++;
    if (!parse_timestamp(t, (size_t)(c->p - t))) { why = "invalid timestamp"; goto fail; }
    skip_ws(c);
    if (c->p < c->end) { why = "trailing text after the timestamp"; goto fail; }
  }
  if (b->d->nsamples == b->cap_s) {
    size_t cap = b->cap_s ? b->cap_s * 2 : 64;
    struct prom_sample *ns = realloc(b->d->samples, cap * sizeof *ns);
    if (!ns) { *oom = true; goto fail; }
    b->d->samples = ns;
    b->cap_s = cap;
  }
  b->d->samples[b->d->nsamples++] = s;
  return NULL;
fail:
  sample_free(&s);
  return why;
}

int prom_parse(const char *text, size_t len, struct prom_doc *doc, char *err, size_t errlen) {
  struct builder b = {.d = doc};
  memset(doc, 0, sizeof *doc);
  if (err && errlen) err[0] = '\0';
  const char *p = text, *end = text + len;
  size_t line = 0;
  while (p < end) {
    line++;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    struct cur c = {p, nl ? nl : end};
    p = nl ? nl + 1 : end;
    if (c.end > c.p && c.end[-1] == '\r') c.end--; /* tolerate CRLF */
    skip_ws(&c);
    if (c.p == c.end) continue;
    bool oom = false;
    const char *why = *c.p == '#' ? parse_comment(&b, &c, &oom) : parse_sample(&b, &c, &oom);
    if (oom) why = "out of memory";
    if (why) {
      if (err && errlen) snprintf(err, errlen, "line %zu: %s", line, why);
      prom_doc_free(doc);
      return -EINVAL;
    }
  }
  /* every family has a type, as Prometheus reads a family without TYPE */
  for (size_t i = 0; i < doc->nfamilies; i++) {
    if (!doc->families[i].type) {
      doc->families[i].type = dup_n("untyped", 7);
      if (!doc->families[i].type) {
        if (err && errlen) snprintf(err, errlen, "line %zu: out of memory", line);
        prom_doc_free(doc);
        return -EINVAL;
      }
    }
  }
  return 0;
}

void prom_doc_free(struct prom_doc *doc) {
  if (!doc) return;
  for (size_t i = 0; i < doc->nsamples; i++) sample_free(&doc->samples[i]);
  free(doc->samples);
  for (size_t i = 0; i < doc->nfamilies; i++) {
    free(doc->families[i].name);
    free(doc->families[i].type);
    free(doc->families[i].help);
  }
  free(doc->families);
  memset(doc, 0, sizeof *doc);
}

const char *prom_label_get(const struct prom_sample *s, const char *name) {
  for (size_t i = 0; i < s->nlabels; i++)
    if (!strcmp(s->labels[i].name, name)) return s->labels[i].value;
  return NULL;
}

const char *prom_type(const struct prom_doc *doc, const char *family) {
  for (size_t i = 0; i < doc->nfamilies; i++)
    if (!strcmp(doc->families[i].name, family)) return doc->families[i].type;
  return NULL;
}

double prom_sum(const struct prom_doc *doc, const char *name, const char *const *match) {
  double sum = 0;
  for (size_t i = 0; i < doc->nsamples; i++) {
    const struct prom_sample *s = &doc->samples[i];
    if (strcmp(s->name, name)) continue;
    bool ok = true;
    for (size_t k = 0; match && match[k] && match[k + 1]; k += 2) {
      const char *v = prom_label_get(s, match[k]);
      if (!v || strcmp(v, match[k + 1])) { ok = false; break; }
    }
    if (ok) sum += s->value;
  }
  return sum;
}

double prom_histogram_quantile(double q, const double *les, const double *counts, size_t n) {
  if (isnan(q) || n == 0) return NAN;
  if (q < 0) return -INFINITY;
  if (q > 1) return INFINITY;
  bool inf_last = isinf(les[n - 1]) && les[n - 1] > 0;
  if (inf_last && n < 2) return NAN;
  /* counts may be slightly non-monotonic (series of one scrape are not read atomically):
   * use the running maximum, as Prometheus does */
  double total = 0;
  for (size_t i = 0; i < n; i++) if (counts[i] > total) total = counts[i];
  if (!(total > 0)) return NAN;
  double rank = q * total, below = 0, run = 0;
  size_t searched = inf_last ? n - 1 : n, b = n - 1;
  for (size_t i = 0; i < searched; i++) {
    if (counts[i] > run) run = counts[i];
    if (run >= rank) { b = i; break; }
    below = run;
  }
  if (inf_last && b == n - 1) return les[n - 2];
  if (b == 0 && les[0] <= 0) return les[0];
  double start = b == 0 ? 0 : les[b - 1], end = les[b], here = run - below;
  if (here <= 0) return start; /* rank 0 in an empty first bucket */
  return start + (end - start) * ((rank - below) / here);
}
