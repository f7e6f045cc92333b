// browser-test.mjs: opens a report.html from disk in headless Chromium (Debian's package, driven
// by playwright-core) and fails on any console error or page error, on a chart that did not
// draw (no canvas, zero size, or blank pixels) or on a chart count of zero; saves a full-page
// screenshot report.png next to the page. When the results tree beside the page has capacity/
// or sweep/ documents, their charts (cap-<endpoint>, sweep-<endpoint>) must exist, have drawn,
// and plot exactly the documents' steps and points, read here from the files themselves.
// Usage: node browser-test.mjs PATH/report.html
import { chromium } from "playwright-core";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const page_path = resolve(process.argv[2] || "");
if (!process.argv[2]) { console.error("usage: node browser-test.mjs PATH/report.html"); process.exit(2); }
// what the capacity and sweep charts must show: [chart id, series name, [[x, y], ...]]
function expectedSeries(dir) {
  const out = [];
  const docs = (sub) => existsSync(join(dir, sub)) ?
    readdirSync(join(dir, sub)).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(dir, sub, f), "utf8"))) : [];
  for (const d of docs("capacity")) {
    const id = "cap-" + d.endpoint.replace(/\W/g, "");
    const steps = d.steps.slice().sort((a, b) => a.offered_rps - b.offered_rps);
    out.push([id, d.service + " achieved", steps.map((s) => [s.offered_rps, s.achieved_rps])]);
    out.push([id, d.service + " p99", steps.map((s) => [s.offered_rps, s.p99_ms])]);
  }
  for (const d of docs("sweep")) {
    const id = "sweep-" + d.endpoint.replace(/\W/g, "");
    out.push([id, d.service + " req/s", d.points.map((p) => [p.connections, p.rps])]);
    out.push([id, d.service + " p99", d.points.map((p) => [p.connections, p.p99_ms])]);
  }
  return out;
}
const expected = expectedSeries(dirname(page_path));
const profile = mkdtempSync(join(tmpdir(), "pocbench-report-chromium-"));
const problems = [];
let browser;
try {
  // a fresh --user-data-dir: playwright passes the profile directory as that flag itself
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           // Nothing may leave the machine: the page is a file, so the browser needs no name at
           // all; without this, Chromium still looks up Google's update and account hosts.
           "--host-resolver-rules=MAP * ~NOTFOUND", "--no-pings", "--disable-domain-reliability",
           "--disable-client-side-phishing-detection", "--disable-breakpad",
           "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication"],
  });
  const page = browser.pages()[0] || await browser.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // the page must work offline: any request that is not the file itself is a failure
  page.on("request", (r) => { if (!r.url().startsWith("file:")) problems.push(`network request: ${r.url()}`); });
  await page.goto(pathToFileURL(page_path).href, { waitUntil: "load" });
  await page.waitForFunction(() => typeof window.__chartsPlanned === "number" &&
                                   window.__chartsDrawn === window.__chartsPlanned, null, { timeout: 20000 })
    .catch(() => problems.push("not every chart reported 'finished' within 20 s"));
  const charts = await page.evaluate(() => Array.from(document.querySelectorAll("div.chart")).map((div) => {
    const c = div.querySelector("canvas");
    const out = { id: div.id, drawn: div.getAttribute("data-drawn") === "1", w: 0, h: 0, inked: 0, data: 0 };
    if (!c) return out;
    out.w = c.width; out.h = c.height;
    const ctx = c.getContext("2d");
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    // inked: neither transparent nor the white background; data: coloured (axes, grid and text
    // are grey, series use the palette), so a chart of axes and a legend alone stays near 0
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] === 0) continue;
      if (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235) out.inked++;
      if (Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 60) out.data++;
    }
    return out;
  }));
  if (charts.length === 0) problems.push("no charts on the page");
  for (const c of charts) {
    if (!c.drawn) problems.push(`chart ${c.id}: ECharts did not finish drawing`);
    if (!c.w || !c.h) problems.push(`chart ${c.id}: no canvas or zero size`);
    else if (c.inked < 0.01 * c.w * c.h) problems.push(`chart ${c.id}: blank (${c.inked} inked pixels)`);
    // legend symbols alone colour about 0.1 % of the canvas; drawn series colour far more
    else if (c.data < 0.004 * c.w * c.h) problems.push(`chart ${c.id}: no data drawn (${c.data} coloured pixels)`);
  }
  // the capacity and sweep charts plot the documents' figures, not just something
  const plotted = await page.evaluate((ids) => {
    const out = {};
    for (const id of ids) {
      const div = document.getElementById(id);
      const inst = div && window.echarts.getInstanceByDom(div);
      out[id] = inst ? inst.getOption().series.map((s) => ({ name: s.name, data: s.data })) : null;
    }
    return out;
  }, [...new Set(expected.map((e) => e[0]))]);
  for (const [id, name, want] of expected) {
    const drawnChart = charts.find((c) => c.id === id);
    if (!drawnChart || !plotted[id]) { problems.push(`chart ${id}: missing (the tree has its documents)`); continue; }
    const s = plotted[id].find((x) => x.name === name);
    if (!s) { problems.push(`chart ${id}: no series "${name}"`); continue; }
    if (JSON.stringify(s.data) !== JSON.stringify(want))
      problems.push(`chart ${id}: series "${name}" plots ${JSON.stringify(s.data)}, the documents say ${JSON.stringify(want)}`);
  }
  const shot = join(dirname(page_path), "report.png");
  await page.screenshot({ path: shot, fullPage: true });
  const least = charts.reduce((m, c) => Math.min(m, c.w && c.h ? c.data / (c.w * c.h) : 0), 1);
  const checked = new Set(expected.map((e) => e[0])).size;
  console.log(`browser: ${charts.length} charts drew (least data-coloured: ${(least * 100).toFixed(2)} % of its canvas)` +
              `${checked ? `, ${checked} capacity/sweep charts plot their documents' ${expected.length} series` : ""}, screenshot ${shot}`);
} catch (e) {
  problems.push(`browser: ${e.message}`);
} finally {
  if (browser) await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
for (const p of problems) console.log(`not ok - ${page_path}: ${p}`);
process.exit(problems.length ? 1 : 0);
