/* report.js: draws report.html's charts from the JSON blob that `pocbench report` put in the
 * page (#report-data), with Apache ECharts inlined above this script. One function per kind of
 * chart; every chart gets a div.chart and is marked data-drawn="1" once ECharts has rendered it,
 * which the headless-browser test checks together with the canvas pixels. Animation is off so
 * the page is complete as soon as it loads (and a screenshot shows the final picture). */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var root = document.getElementById("charts");
  if (!root) return;
  root.innerHTML = "";
  var drawn = 0, planned = 0;
  var PALETTE = ["#3b6fd4", "#e4572e", "#17a398", "#f3a712", "#8e5fc2", "#5b6c7d", "#c2185b", "#2e7d32"];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function group(title) {
    root.appendChild(el("div", "chartgroup", title));
    var g = el("div", "grid");
    root.appendChild(g);
    return g;
  }
  function color(svc) {
    var i = D.services.indexOf(svc);
    return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
  }
  function cellsOf(test, ep) {
    return D.cells.filter(function (c) { return c.test === test && c.endpoint === ep; });
  }
  function cell(test, svc, ep) {
    for (var i = 0; i < D.cells.length; i++) {
      var c = D.cells[i];
      if (c.test === test && c.service === svc && c.endpoint === ep) return c;
    }
    return null;
  }
  function zip(xs, ys) {
    var out = [];
    for (var i = 0; i < xs.length; i++) if (xs[i] !== null && ys[i] !== null) out.push([xs[i], ys[i]]);
    return out;
  }
  /* for lines over time: a second without a value (no requests, so no latency) stays a gap */
  function zipGaps(xs, ys) {
    var out = [];
    for (var i = 0; i < xs.length; i++) if (xs[i] !== null) out.push([xs[i], ys[i] === null ? null : ys[i]]);
    return out;
  }
  function esc(t) {
    return String(t).replace(/[&<>"]/g, function (ch) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[ch]; });
  }
  function fmt(v) {
    if (v === null || v === undefined) return "n/a";
    var a = Math.abs(v);
    return a >= 100 || v === Math.round(v) ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : String(Number(v.toPrecision(3)));
  }
  /* a server quantile's histogram bucket as text: "\u2264 5", "50\u201375", "> 10000" */
  function bucketText(b) {
    if (!b) return "n/a";
    if (b[1] === null) return "> " + fmt(b[0]);
    return b[0] <= 0 ? "\u2264 " + fmt(b[1]) : fmt(b[0]) + "\u2013" + fmt(b[1]);
  }
  function chart(parent, id, option, cls) {
    planned++;
    var div = el("div", "chart" + (cls ? " " + cls : ""));
    div.id = id;
    parent.appendChild(div);
    var c = echarts.init(div, null, { renderer: "canvas" });
    option.animation = false;
    option.textStyle = { fontFamily: "system-ui, sans-serif" };
    option.grid = option.grid || { left: 60, right: 60, top: 96, bottom: 40 };
    if (option.grid.top < 96) option.grid.top = 96;   /* below the legend and the axis names */
    option.tooltip = option.tooltip || { trigger: "axis" };
    c.on("finished", function () {
      if (div.getAttribute("data-drawn") !== "1") { div.setAttribute("data-drawn", "1"); drawn++; }
      window.__chartsDrawn = drawn;
    });
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
    return c;
  }
  /* title, subtitle and legend stacked without overlap: the subtitle ends near 40 px */
  function title(text, sub) { return { text: text, subtext: sub || "", left: 8, itemGap: 4, textStyle: { fontSize: 13 }, subtextStyle: { fontSize: 11 } }; }
  function legend() { return { top: 46, left: 8, right: 8, type: "scroll" }; }

  /* latency percentiles over time, with the VU ramp on the right axis */
  function latencyOverTime(g, test, ep, cells) {
    var series = [], vusDone = false;
    cells.forEach(function (c) {
      var s = c.series, col = color(c.service);
      if (!s.t.length) return;
      [["p50", "dotted"], ["p90", "dashed"], ["p99", "solid"]].forEach(function (p) {
        series.push({ name: c.service + " " + p[0], type: "line", showSymbol: false, yAxisIndex: 0,
                      connectNulls: false, lineStyle: { type: p[1], width: 1.5, color: col }, itemStyle: { color: col },
                      data: zipGaps(s.t, s[p[0]]) });
      });
      if (!vusDone) {
        vusDone = true;
        series.push({ name: "VUs", type: "line", step: "end", showSymbol: false, yAxisIndex: 1,
                      lineStyle: { color: "#9aa5b1", width: 1 }, itemStyle: { color: "#9aa5b1" },
                      areaStyle: { color: "rgba(154,165,177,0.15)" }, data: zip(s.t, s.vus) });
      }
    });
    chart(g, "lat-" + test + "-" + ep.replace(/\W/g, ""), {
      title: title(test + " " + ep + ": latency over time", "client p50 dotted, p90 dashed, p99 solid; VUs shaded"),
      legend: legend(), grid: { left: 60, right: 60, top: 62, bottom: 40 },
      xAxis: { type: "value", name: "s", min: 0 },
      yAxis: [{ type: "value", name: "ms" }, { type: "value", name: "VUs", splitLine: { show: false } }],
      series: series
    });
  }

  function rpsOverTime(g, test, ep, cells) {
    var series = cells.filter(function (c) { return c.series.t.length; }).map(function (c) {
      return { name: c.service, type: "line", showSymbol: false, itemStyle: { color: color(c.service) },
               data: zip(c.series.t, c.series.reqs) };
    });
    chart(g, "rps-" + test + "-" + ep.replace(/\W/g, ""), {
      title: title(test + " " + ep + ": requests/s over time"), legend: legend(),
      xAxis: { type: "value", name: "s", min: 0 }, yAxis: { type: "value", name: "req/s" }, series: series
    });
  }

  /* seconds at 0 VUs are the graceful stop's stragglers, not latency at some concurrency */
  function withVus(vus, ys) {
    return zip(vus, ys).filter(function (p) { return p[0] > 0; });
  }
  function latencyVsVus(g, test, ep, cells) {
    var series = [];
    cells.forEach(function (c) {
      if (!c.series.t.length) return;
      series.push({ name: c.service + " p90", type: "scatter", symbolSize: 6, itemStyle: { color: color(c.service) },
                    data: withVus(c.series.vus, c.series.p90) });
      series.push({ name: c.service + " p99", type: "scatter", symbol: "triangle", symbolSize: 7,
                    itemStyle: { color: color(c.service), opacity: 0.55 }, data: withVus(c.series.vus, c.series.p99) });
    });
    chart(g, "vus-" + test + "-" + ep.replace(/\W/g, ""), {
      title: title(test + " " + ep + ": latency against concurrent VUs", "one point per second"), legend: legend(),
      tooltip: { trigger: "item" }, grid: { left: 60, right: 30, top: 62, bottom: 40 },
      xAxis: { type: "value", name: "VUs", min: 0 }, yAxis: { type: "value", name: "ms" }, series: series
    });
  }

  /* side-by-side bars per endpoint, one bar per contender */
  /* The power of ten at or below the smallest positive value: a log axis's bars rise from its
   * startValue (1 by default, so a 0.3 ms bar would hang down from 1 ms). */
  function logFloor(series) {
    var lo = Infinity;
    series.forEach(function (s) { s.data.forEach(function (v) { if (v > 0 && v < lo) lo = v; }); });
    return isFinite(lo) ? Math.pow(10, Math.floor(Math.log10(lo))) : 1;
  }
  /* log: latencies span orders of magnitude across stacks (0.2 ms beside 1 s); on a linear
   * axis the fast contenders' bars would not show */
  function barsPerEndpoint(g, test, key, label, unit, log) {
    var eps = D.endpoints.filter(function (ep) { return cellsOf(test, ep).length; });
    var series = D.services.map(function (svc) {
      return { name: svc, type: "bar", itemStyle: { color: color(svc) },
               data: eps.map(function (ep) { var c = cell(test, svc, ep); return c ? c.med[key] : null; }) };
    }).filter(function (s) { return s.data.some(function (v) { return v !== null; }); });
    chart(g, "bars-" + key + "-" + test, {
      title: title(test + ": " + label + " per endpoint", D.cells.some(function (c) { return c.runs > 1; }) ? "median of repeats" : ""),
      legend: legend(), tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", data: eps },
      yAxis: log ? { type: "log", logBase: 10, name: unit + " (log)", startValue: logFloor(series) }
                 : { type: "value", name: unit }, series: series
    });
  }

  /* Client percentiles as bars; server percentiles as the histogram bucket they fall in, drawn
   * as a bracket from the bucket's lower to its upper bound (from the axis floor for the first
   * bucket, which starts at 0): the histogram cannot say where inside the bucket they are. One
   * custom series per figure, each in its own slot of the category band. */
  function clientVsServer(g, test) {
    var cats = [], rows = [];
    D.endpoints.forEach(function (ep) {
      D.services.forEach(function (svc) {
        var c = cell(test, svc, ep);
        if (!c) return;
        cats.push(svc + " " + ep);
        rows.push(c);
      });
    });
    var figs = [["p50", false], ["p50", true], ["p90", false], ["p90", true], ["p99", false], ["p99", true]];
    var cols = { p50: ["#9ec1f0", "#e8805f"], p90: ["#5b8fdf", "#c8553d"], p99: ["#1f4f9e", "#8c2d12"] };
    var nslot = figs.length;
    var series = figs.map(function (f, slot) {
      var k = f[0], server = f[1], col = cols[k][server ? 1 : 0];
      var data = [];
      rows.forEach(function (c, i) {
        if (!server) {
          var v = c.med[k];
          if (v !== null && v > 0) data.push({ value: [i, v], raw: v });
          return;
        }
        var b = c.sq && c.sq[k];
        if (!b) return;
        var hi = b[1] === null ? b[0] : b[1];
        /* the axis extent takes values 1 and 2: no 0 on a log axis */
        data.push({ value: [i, b[0] > 0 ? b[0] : hi, hi, b[0], b[1] === null ? 1 : 0], raw: c.med["s" + k], bucket: b });
      });
      return {
        name: (server ? "server " : "client ") + k + (server ? " (bucket)" : ""), type: "custom",
        itemStyle: { color: col }, encode: server ? { x: 0, y: [1, 2] } : { x: 0, y: 1 },
        renderItem: function (params, api) {
          var cs = params.coordSys, cat = api.value(0);
          var band = api.size([1, 0])[0], w = band * 0.84 / nslot;
          var x = api.coord([cat, api.value(1)])[0] - band * 0.42 + w * (slot + 0.5);
          var bottom = cs.y + cs.height;
          if (!server) {
            var y = api.coord([cat, api.value(1)])[1];
            return { type: "rect", shape: { x: x - w * 0.45, y: y, width: w * 0.9, height: Math.max(1, bottom - y) },
                     style: { fill: col } };
          }
          var lo = api.value(3), yHi = api.coord([cat, api.value(2)])[1];
          var yLo = lo > 0 ? api.coord([cat, lo])[1] : bottom, open = api.value(4) === 1;
          var kids = [
            { type: "rect", shape: { x: x - w * 0.4, y: yHi, width: w * 0.8, height: Math.max(2, yLo - yHi) },
              style: { fill: col, opacity: 0.28, stroke: col, lineWidth: 1 } },
            { type: "line", shape: { x1: x, y1: yHi, x2: x, y2: yLo }, style: { stroke: col, lineWidth: 2 } },
            { type: "line", shape: { x1: x - w * 0.45, y1: yHi, x2: x + w * 0.45, y2: yHi },
              style: { stroke: col, lineWidth: 2, lineDash: open ? [3, 3] : null } }
          ];
          if (lo > 0) kids.push({ type: "line", shape: { x1: x - w * 0.45, y1: yLo, x2: x + w * 0.45, y2: yLo },
                                  style: { stroke: col, lineWidth: 2 } });
          return { type: "group", children: kids };
        },
        data: data
      };
    });
    chart(g, "cs-" + test, {
      title: title(test + ": client-side against server-side percentiles",
                   "server side: the /metrics histogram bucket each quantile falls in (box = bucket bounds), not a point value"),
      legend: legend(), grid: { left: 60, right: 20, top: 62, bottom: 70 },
      tooltip: { trigger: "item", formatter: function (p) {
        var d = p.data;
        if (!d.bucket) return esc(cats[d.value[0]]) + "<br>" + p.seriesName + ": " + fmt(d.raw) + " ms";
        return esc(cats[d.value[0]]) + "<br>" + p.seriesName + ": " + bucketText(d.bucket) + " ms" +
               "<br>(histogram_quantile interpolates " + fmt(d.raw) + " ms inside the bucket)";
      } },
      xAxis: { type: "category", data: cats, axisLabel: { rotate: 30, fontSize: 10 } },
      yAxis: { type: "log", name: "ms", logBase: 10 },
      series: series
    }, "wide");
  }

  function capacityCharts(g) {
    D.endpoints.forEach(function (ep) {
      var docs = D.capacity.filter(function (x) { return x.endpoint === ep && x.doc && x.doc.steps; });
      if (!docs.length) return;
      var series = [];
      docs.forEach(function (x) {
        var steps = x.doc.steps.slice().sort(function (a, b) { return a.offered_rps - b.offered_rps; });
        series.push({ name: x.service + " achieved", type: "line", yAxisIndex: 0, itemStyle: { color: color(x.service) },
                      data: steps.map(function (s) { return [s.offered_rps, s.achieved_rps]; }) });
        series.push({ name: x.service + " p99", type: "line", yAxisIndex: 1, lineStyle: { type: "dashed" },
                      itemStyle: { color: color(x.service) },
                      data: steps.map(function (s) { return [s.offered_rps, s.p99_ms]; }) });
      });
      chart(g, "cap-" + ep.replace(/\W/g, ""), {
        title: title(ep + ": achieved rate and p99 against offered rate", "capacity search, open model"), legend: legend(),
        grid: { left: 60, right: 60, top: 62, bottom: 40 },
        xAxis: { type: "value", name: "offered req/s" },
        yAxis: [{ type: "value", name: "achieved req/s" }, { type: "log", name: "p99 ms", splitLine: { show: false } }],
        series: series
      });
    });
  }

  function sweepCharts(g) {
    D.endpoints.forEach(function (ep) {
      var docs = D.sweep.filter(function (x) { return x.endpoint === ep && x.doc && x.doc.points; });
      if (!docs.length) return;
      var series = [];
      docs.forEach(function (x) {
        series.push({ name: x.service + " req/s", type: "line", yAxisIndex: 0, itemStyle: { color: color(x.service) },
                      data: x.doc.points.map(function (p) { return [p.connections, p.rps]; }) });
        series.push({ name: x.service + " p99", type: "line", yAxisIndex: 1, lineStyle: { type: "dashed" },
                      itemStyle: { color: color(x.service) },
                      data: x.doc.points.map(function (p) { return [p.connections, p.p99_ms]; }) });
      });
      chart(g, "sweep-" + ep.replace(/\W/g, ""), {
        title: title(ep + ": throughput and p99 against connections", "closed model, no think time"), legend: legend(),
        grid: { left: 60, right: 60, top: 62, bottom: 40 },
        xAxis: { type: "log", name: "connections", logBase: 2 },
        yAxis: [{ type: "value", name: "req/s" }, { type: "log", name: "p99 ms", splitLine: { show: false } }],
        series: series
      });
    });
  }

  D.tests.forEach(function (test) {
    var g = group(test + " test: every endpoint side by side");
    barsPerEndpoint(g, test, "rps", "requests/s", "req/s");
    barsPerEndpoint(g, test, "p99", "client p99 latency", "ms", true);
    barsPerEndpoint(g, test, "cpu1k", "CPU-seconds per 1,000 requests", "CPU-s");
    clientVsServer(g, test);
    D.endpoints.forEach(function (ep) {
      var cells = cellsOf(test, ep).filter(function (c) { return c.series.t.length; });
      if (!cells.length) return;
      var ge = group(test + " test, " + ep);
      latencyOverTime(ge, test, ep, cells);
      rpsOverTime(ge, test, ep, cells);
      latencyVsVus(ge, test, ep, cells);
    });
  });
  if (D.capacity.length) capacityCharts(group("Breaking points: capacity search"));
  if (D.sweep.length) sweepCharts(group("Concurrency sweep"));
  window.__chartsPlanned = planned;
  window.__chartsDrawn = drawn;
})();
