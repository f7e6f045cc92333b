/* cmd_report.c: `pocbench report [options] DIR` writes DIR/REPORT.md and DIR/report.html from
 * a results tree. It only parses options and drives report_load.c -> report_doc.c ->
 * report_md.c / report_html.c; both files are rendered in memory and written atomically, so an
 * interrupted report never leaves a torn file next to the results. The page's assets (chart
 * library, template, script) are found in <root>/build/report-assets unless --assets says. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "fsutil.h"
#include "report.h"

static void usage(FILE *f) {
  fprintf(f,
    "usage: pocbench report [options] DIR\n"
    "Writes DIR/REPORT.md and DIR/report.html (self-contained, works offline) from a results\n"
    "directory written by `pocbench run` / `pocbench capacity` (docs/results-format.md).\n\n"
    "options:\n"
    "  --baseline NAME   contender that ratios are taken against (default fastapi; a name given\n"
    "                    here must be a contender in DIR; without it a tree lacking fastapi\n"
    "                    gets a report without ratios)\n"
    "  --assets DIR      page assets (default <repo>/build/report-assets, made by `make`)\n"
    "  --no-html         write REPORT.md only\n"
    "  -h, --help        this text\n"
    "exit status: 0 both files written, 1 unreadable tree, no scenario documents or page assets\n"
    "missing (REPORT.md is still written), 104 bad usage or a --baseline not in DIR\n");
}

static int render(const char *path, void (*fn_md)(FILE *, const struct rep_doc *),
                  const struct rep_doc *doc, const struct rep_data *d, const char *assets,
                  char *err, size_t errlen) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) { snprintf(err, errlen, "out of memory"); return -ENOMEM; }
  int rc = 0;
  if (fn_md) fn_md(f, doc);
  else rc = rep_write_html(f, doc, d, assets, err, errlen);
  fclose(f);
  if (!rc) {
    rc = fs_write_atomic(path, buf, len);
    if (rc < 0) snprintf(err, errlen, "%s: %s", path, strerror(-rc));
  }
  free(buf);
  return rc;
}

int cmd_report(int argc, char **argv) {
  static const struct option opts[] = {
    {"baseline", required_argument, NULL, 'b'},
    {"assets", required_argument, NULL, 'a'},
    {"no-html", no_argument, NULL, 'n'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
  };
  const char *baseline = "fastapi", *assets = NULL;
  int html = 1, c, baseline_given = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'b': baseline = optarg; baseline_given = 1; break;
    case 'a': assets = optarg; break;
    case 'n': html = 0; break;
    case 'h': usage(stdout); return EXIT_OK;
    default: usage(stderr); return EXIT_CONFIG;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "pocbench report: expected exactly one results directory\n");
    usage(stderr);
    return EXIT_CONFIG;
  }
  const char *dir = argv[optind];
  char assets_buf[4096];
  if (!assets) {
    snprintf(assets_buf, sizeof assets_buf, "%s/build/report-assets", pocbench_root());
    assets = assets_buf;
  }
  char err[1024] = "";
  struct rep_data d;
  if (rep_load(dir, baseline, &d, err, sizeof err) < 0) {
    fprintf(stderr, "pocbench report: %s\n", err);
    return EXIT_FAIL;
  }
  if (baseline_given && !d.has_baseline) {
    /* a typo here would silently drop every ratio: refuse, and say what is there */
    fprintf(stderr, "pocbench report: --baseline %s: no such contender in %s (contenders: ", baseline, dir);
    for (size_t i = 0; i < d.nservices; i++) fprintf(stderr, "%s%s", i ? ", " : "", d.services[i]);
    fprintf(stderr, ")\n");
    rep_free(&d);
    return EXIT_CONFIG;
  }
  for (size_t i = 0; i < d.nwarnings; i++) fprintf(stderr, "pocbench report: warning: %s\n", d.warnings[i]);
  struct rep_doc doc;
  rep_doc_build(&d, &doc);
  int status = EXIT_OK;
  char md[4096], page[4096];
  snprintf(md, sizeof md, "%s/REPORT.md", dir);
  snprintf(page, sizeof page, "%s/report.html", dir);
  if (render(md, rep_write_md, &doc, &d, assets, err, sizeof err) < 0) {
    fprintf(stderr, "pocbench report: %s\n", err);
    status = EXIT_FAIL;
  } else if (html && render(page, NULL, &doc, &d, assets, err, sizeof err) < 0) {
    fprintf(stderr, "pocbench report: %s\n", err);
    status = EXIT_FAIL;
  } else {
    printf("pocbench report: wrote %s%s%s\n", md, html ? " and " : "", html ? page : "");
  }
  rep_doc_free(&doc);
  rep_free(&d);
  return status;
}
