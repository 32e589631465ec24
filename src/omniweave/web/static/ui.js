// Charts: every element with data-chart and data-src gets its JSON and an ECharts chart.
(function () {
  "use strict";
  var palette = ["#4f46e5", "#10b981", "#f59e0b", "#ef4444", "#06b6d4", "#8b5cf6", "#64748b"];
  var base = { color: palette, grid: { left: 48, right: 24, top: 28, bottom: 30 }, tooltip: { trigger: "axis" } };

  function option(kind, d) {
    if (kind === "line") {
      return Object.assign({}, base, {
        xAxis: { type: "category", data: d.labels, boundaryGap: false },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "line", data: d.values, smooth: true, showSymbol: false, areaStyle: { opacity: 0.12 }, name: "events" }]
      });
    }
    if (kind === "bar") {
      return Object.assign({}, base, {
        xAxis: { type: "category", data: d.labels },
        yAxis: { type: "value" },
        series: [{ type: "bar", data: d.values, name: "revenue", itemStyle: { borderRadius: [3, 3, 0, 0] } }]
      });
    }
    if (kind === "sends") {
      return Object.assign({}, base, {
        legend: { top: 0 },
        grid: { left: 48, right: 56, top: 36, bottom: 30 },
        xAxis: { type: "category", data: d.channels },
        yAxis: [{ type: "value", name: "messages", minInterval: 1 }, { type: "value", name: "cost" }],
        series: [
          { type: "bar", name: "sent", stack: "m", data: d.sent },
          { type: "bar", name: "not sent", stack: "m", data: d.other },
          { type: "bar", name: "cost", yAxisIndex: 1, data: d.cost }
        ]
      });
    }
    if (kind === "credits") {
      return Object.assign({}, base, {
        legend: { top: 0 },
        grid: { left: 56, right: 64, top: 36, bottom: 30 },
        xAxis: { type: "category", data: d.labels },
        yAxis: [{ type: "value", name: "conversions" }, { type: "value", name: "revenue" }],
        series: [
          { type: "bar", name: "conversions", data: d.conversions },
          { type: "bar", name: "revenue", yAxisIndex: 1, data: d.revenue }
        ]
      });
    }
    if (kind === "stacked") {
      return Object.assign({}, base, {
        legend: { top: 0 },
        grid: { left: 48, right: 24, top: 36, bottom: 30 },
        xAxis: { type: "category", data: d.channels },
        yAxis: { type: "value", minInterval: 1 },
        series: d.series.map(function (s) { return { type: "bar", stack: "all", name: s.name, data: s.values }; })
      });
    }
    return base;
  }

  function empty(el, text) {
    el.innerHTML = '<div class="muted" style="padding:90px 0;text-align:center">' + text + "</div>";
  }

  function draw(el) {
    fetch(el.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (d) {
        var values = d.values || d.sent || d.conversions || (d.series || []).reduce(function (a, s) { return a.concat(s.values); }, []);
        if (!values.length || values.every(function (v) { return !v; })) {
          if (!(d.other || []).some(function (v) { return v; })) { empty(el, "Nothing yet"); return; }
        }
        var chart = echarts.init(el, null, { renderer: "svg" });
        chart.setOption(option(el.dataset.chart, d));
        window.addEventListener("resize", function () { chart.resize(); });
      })
      .catch(function () { empty(el, "Could not load the numbers"); });
  }

  function start() { document.querySelectorAll("[data-chart][data-src]").forEach(draw); }

  // The segment builder's form: one condition at a time, appended to the definition's "all".
  function scalar(text) {
    var t = text.trim();
    if (/^-?\d+(\.\d+)?$/.test(t) || t === "true" || t === "false") { return t; }
    return JSON.stringify(t);
  }

  function condition(form) {
    var kind = form.elements.b_kind.value, name = form.elements.b_name.value.trim();
    var op = form.elements.b_op.value, value = form.elements.b_value.value;
    if (!name) { return null; }
    if (kind === "identifier") { return "identifier: {type: " + scalar(name) + "}"; }
    if (kind === "reachable") { return "reachable: {channel: " + scalar(name) + ", topic: marketing}"; }
    if (kind === "event") {
      return "event: {name: " + scalar(name) + (value.trim() ? ", withinDays: " + scalar(value) : "") + "}";
    }
    var test = op === "exists" ? "op: exists" : "op: " + op + ", value: " + scalar(value);
    return kind + ": {name: " + scalar(name) + ", " + test + "}";
  }

  function append(definition, node) {
    var text = definition.value.replace(/\s+$/, "");
    if (!text) { return "all:\n  - " + node + "\n"; }
    var listed = /^all:\s*\n(\s*)- /.exec(text);
    if (listed) { return text + "\n" + listed[1] + "- " + node + "\n"; }
    var lines = text.split("\n");
    var rest = lines.slice(1).map(function (l) { return "    " + l; });
    return ["all:", "  - " + lines[0]].concat(rest, ["  - " + node]).join("\n") + "\n";
  }

  // The price tool's lines: one more sku and quantity row.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-line]");
    if (!button) { return; }
    var rows = button.closest("form").querySelector("#lines");
    var row = rows.querySelector(".line-row").cloneNode(true);
    row.querySelectorAll("input").forEach(function (input) { input.value = input.name === "quantity" ? "1" : ""; });
    rows.appendChild(row);
    row.querySelector("input").focus();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-condition]");
    if (!button) { return; }
    var form = button.closest("form"), node = condition(form);
    if (!node) { form.elements.b_name.focus(); return; }
    var definition = form.elements.definition;
    definition.value = append(definition, node);
    definition.dispatchEvent(new Event("input", { bubbles: true }));
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
