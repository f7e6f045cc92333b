/* report_md.c: renders the report's blocks (report_doc.c) as GitHub-flavoured Markdown.
 * Plain text from the document is escaped only where Markdown would misread it: '|' inside
 * table cells, and a leading '#', '-' or digit-dot that would turn a paragraph into a heading
 * or list. Charts cannot live in Markdown; their place names report.html instead. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "report.h"

static void cell(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '|') fputs("\\|", f);
    else if (*s == '\n') fputc(' ', f);
    else fputc(*s, f);
  }
}

static void para(FILE *f, const char *s) {
  if (*s == '#' || ((*s == '-' || *s == '+') && s[1] == ' ')) fputc('\\', f);
  fputs(s, f);
  fputc('\n', f);
}

void rep_write_md(FILE *f, const struct rep_doc *doc) {
  for (size_t i = 0; i < doc->n; i++) {
    const struct rep_block *b = &doc->b[i];
    switch (b->kind) {
    case B_H1: fprintf(f, "# %s\n\n", b->text); break;
    case B_H2: fprintf(f, "## %s\n\n", b->text); break;
    case B_H3: fprintf(f, "### %s\n\n", b->text); break;
    case B_P: para(f, b->text); fputc('\n', f); break;
    case B_LI:
      fprintf(f, "- %s\n", b->text);
      if (i + 1 == doc->n || doc->b[i + 1].kind != B_LI) fputc('\n', f);
      break;
    case B_CHARTS:
      fputs("The charts (latency percentiles over time with the VU ramp, requests/s over time, bars per "
            "endpoint, latency against concurrent VUs, client-side against server-side percentiles) are "
            "in report.html beside this file.\n\n", f);
      break;
    case B_TABLE:
      fprintf(f, "*%s*\n\n", b->text);
      for (size_t r = 0; r < b->nrows; r++) {
        fputc('|', f);
        for (size_t c = 0; c < b->ncols; c++) {
          fputc(' ', f);
          cell(f, b->cells[r * b->ncols + c]);
          fputs(" |", f);
        }
        fputc('\n', f);
        if (r == 0) {
          fputc('|', f);
          for (size_t c = 0; c < b->ncols; c++) fputs(c == 0 || rep_col_text(b, c) ? "---|" : "---:|", f);
          fputc('\n', f);
        }
      }
      fputc('\n', f);
      break;
    }
  }
}
