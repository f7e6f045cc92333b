/* fuzz_prom.c: libFuzzer target for prom_parse (src/prom.c). The input is passed with its
 * exact length and no NUL, so any read past len is caught by ASan; a successful parse is
 * walked (labels, sums, types) so the document's pointers are exercised too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "prom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *copy = malloc(size ? size : 1);
  if (!copy) return 0;
  memcpy(copy, data, size);
  struct prom_doc doc;
  char err[128];
  if (prom_parse(copy, size, &doc, err, sizeof err) == 0) {
    for (size_t i = 0; i < doc.nsamples; i++) {
      const struct prom_sample *s = &doc.samples[i];
      (void)prom_label_get(s, "le");
      (void)prom_type(&doc, s->name);
    }
    const char *const m[] = {"handler", "/health", NULL};
    (void)prom_sum(&doc, "http_requests_total", m);
    double les[4] = {0.1, 0.5, 1, 1.0 / 0.0}, counts[4] = {0};
    for (size_t i = 0; i < doc.nsamples && i < 4; i++) counts[i] = doc.samples[i].value;
    (void)prom_histogram_quantile(0.99, les, counts, 4);
  } else if (doc.nsamples || doc.nfamilies || !err[0]) {
    abort(); /* on error the document is empty and the message set */
  }
  prom_doc_free(&doc);
  free(copy);
  return 0;
}
