# pocbench report: the page assets (chart library pinned in report/package.json, installed with
# npm ci; template; page script) copied to build/report-assets/ where `pocbench report` finds
# them, and the report's test groups.
REPORT_ASSETS := build/report-assets
REPORT_NPM    := report/node_modules/.installed
REPORT_FIXTURES := $(wildcard tests/report/fixtures/*/run.json)

.PHONY: report-assets test-report test-report-browser
all: report-assets
report-assets: $(REPORT_ASSETS)/.stamp

$(REPORT_NPM): report/package.json report/package-lock.json
	@echo "report: npm ci in report/ (chart library and playwright-core, pinned by the lock file)"
	@cd report && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(REPORT_ASSETS)/.stamp: $(REPORT_NPM) report/template.html report/report.js
	@mkdir -p $(REPORT_ASSETS)
	@cp report/node_modules/echarts/dist/echarts.min.js $(REPORT_ASSETS)/echarts.min.js
	@cp report/template.html report/report.js $(REPORT_ASSETS)/
	@{ echo "Apache ECharts $$(node -p 'require("./report/node_modules/echarts/package.json").version')"; \
	   echo; cat report/node_modules/echarts/NOTICE; echo; cat report/node_modules/echarts/LICENSE; \
	   for f in report/node_modules/echarts/licenses/*; do echo; echo "=== $$f"; cat "$$f"; done; \
	   echo; echo "=== zrender (bundled in echarts.min.js)"; cat report/node_modules/zrender/LICENSE; \
	   echo; echo "=== tslib (bundled in echarts.min.js)"; cat report/node_modules/tslib/LICENSE.txt; \
	 } > $(REPORT_ASSETS)/LICENSE-echarts.txt
	@touch $@

# Renders every committed fixture tree (copied to build/report-test/) and opens each page in
# headless Chromium: no console errors, every chart drawn, a screenshot report.png beside it.
TEST_TARGETS += test-report-browser
test-report-browser: build/pocbench report-assets
	@bash tests/report/browser-test.sh build/report-test $(REPORT_FIXTURES)
