"use strict";
// A dashboard, live: the panels' data arrives as server-sent events (/api/dashboards/ID/live)
// on every change; the URL holds the query, filters, time range and pause, so a view is
// shareable. Text from articles only ever goes in as textContent.
(function () {
  const R = window.Rasad, el = R.el;
  const config = JSON.parse(document.getElementById("board-config").textContent);
  const M = config.messages, t = (s) => M[s] || s;
  const rtl = document.documentElement.dir === "rtl";
  const status = document.getElementById("status"), problem = document.getElementById("problem");
  const form = document.getElementById("controls"), pause = document.getElementById("pause");
  const state = fromUrl();
  let source = null, rendered = false, world = null;

  function fromUrl() {
    const p = new URLSearchParams(location.search);
    return {
      q: p.get("q") || "", filters: p.getAll("f"), range: p.get("range") || config.view.range,
      from: p.get("from") || config.view.from, to: p.get("to") || config.view.to,
      paused: p.get("paused") === "1",
    };
  }
  function params() {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    for (const f of state.filters) p.append("f", f);
    p.set("range", state.range);
    if (state.range === "custom") { p.set("from", state.from); p.set("to", state.to); }
    return p;
  }
  function remember() {
    const p = params();
    if (state.paused) p.set("paused", "1");
    history.replaceState(null, "", "?" + p.toString());
  }
  function say(text, live) { status.textContent = text; status.classList.toggle("live", !!live); }
  function trouble(message) { problem.textContent = message || ""; problem.hidden = !message; }

  function connect() {
    if (source) { source.close(); source = null; }
    remember();
    if (state.paused) { say(t("Paused")); once(); return; }
    say(t("Connecting…"));
    source = new EventSource(`/api/dashboards/${encodeURIComponent(config.id)}/live?${params()}`);
    source.addEventListener("data", (event) => { trouble(""); draw(JSON.parse(event.data)); say(`${t("Live")} · ${t("Updated")} ${R.stamp(new Date().toISOString(), true)}`, true); });
    source.addEventListener("problem", (event) => trouble(JSON.parse(event.data).error));
    source.onerror = () => { say(t("Reconnecting…")); if (source.readyState === EventSource.CLOSED) once(); };
  }
  async function once() {
    try {
      const response = await fetch(`/api/dashboards/${encodeURIComponent(config.id)}/data?${params()}`);
      const body = await response.json();
      if (!response.ok) { trouble(body.error); say(t("Error")); return; }
      trouble(""); draw(body);
    } catch (e) { trouble(String(e)); }
  }

  function draw(data) {
    for (const panel of config.panels) {
      const body = document.querySelector(`#panel-${panel.id} .body`);
      const part = data.panels[panel.id];
      if (!body || !part) continue;
      try { DRAW[panel.kind](panel, body, part, data); } catch (e) { console.error(panel.id, e); }
      body.setAttribute("aria-busy", "false");
    }
    if (!rendered) document.body.dataset.firstDraw = String(performance.now());  // ms since navigation
    rendered = true;
    document.body.dataset.updated = String(Date.now());
  }

  function empty(body, show, text) {
    let note = body.querySelector(":scope > .empty");
    if (!show) { if (note) note.remove(); return; }
    if (!note) { note = el("p", { class: "empty" }); body.prepend(note); }
    note.textContent = text || t("No data in this range");
  }
  function chartIn(body, panel) {
    let box = body.querySelector(":scope > .chart");
    // Charts are drawn left to right in both interfaces (SVG text anchors flip under rtl).
    if (!box) { box = el("div", { class: "chart", role: "img", dir: "ltr" }); body.append(box); }
    return box;
  }
  function table(body, rows, withFilter) {
    let details = body.querySelector(":scope > details.table");
    if (!details) { details = el("details", { class: "table" }, el("summary", { text: t("Count") })); body.append(details); }
    const tbody = el("tbody");
    for (const row of rows) {
      const label = withFilter && row.filter ? el("button", { type: "button", dir: "auto", text: row.label }) : el("span", { dir: "auto", text: row.label });
      if (withFilter && row.filter) label.addEventListener("click", () => addFilter(row.filter));
      tbody.append(el("tr", {}, el("td", {}, label), el("td", { class: "n" }, R.number(row.count))));
    }
    const old = details.querySelector("table");
    const fresh = el("table", {}, tbody);
    if (old) old.replaceWith(fresh); else details.append(fresh);
  }
  function intervalName(seconds) {
    const units = [[86400, "day", "days"], [3600, "hour", "hours"], [60, "minute", "minutes"]];
    for (const [size, one, many] of units) if (seconds % size === 0) { const n = seconds / size; return n === 1 ? t(one) : `${n} ${t(many)}`; }
    return `${seconds} s`;
  }

  const DRAW = {
    metric(panel, body, part) {
      let value = body.querySelector(".metric");
      if (!value) { body.replaceChildren(value = el("p", { class: "metric", "data-value": "0" })); }
      value.replaceChildren(R.number(part.value));
      value.dataset.value = String(part.value);
    },
    date_histogram(panel, body, part, data) {
      const total = part.series.reduce((n, s) => n + s.points.reduce((m, p) => m + p[1], 0), 0);
      empty(body, total === 0);
      const box = chartIn(body, panel), chart = R.chart(box);
      box.setAttribute("aria-label", `${panel.title}: ${total} ${t("articles")}`);
      if (!chart) return;
      const kind = panel.chart === "bar" ? "bar" : "line";
      chart.setOption({
        animation: false, color: R.palette,
        grid: { left: 48, right: 16, top: part.series.length > 1 ? 34 : 24, bottom: 40 },
        legend: part.series.length > 1 ? { top: 0, data: part.series.map((s) => s.label) } : undefined,
        tooltip: { trigger: "axis" },
        xAxis: { type: "time", name: t("Time"), nameLocation: "middle", nameGap: 26, min: Date.parse(data.view.since), max: Date.parse(data.view.until) },
        yAxis: { type: "value", name: `${t("articles")} ${t("per")} ${intervalName(part.interval)}`, minInterval: 1, nameTextStyle: { align: "left" } },
        series: part.series.map((s) => ({
          name: s.label, type: kind, showSymbol: false, barMaxWidth: 18,
          areaStyle: panel.chart === "area" ? {} : undefined,
          data: s.points.map(([key, n]) => [Date.parse(key), n]),
        })),
      }, true);
    },
    terms(panel, body, part) {
      empty(body, part.buckets.length === 0);
      const box = chartIn(body, panel), chart = R.chart(box);
      box.setAttribute("aria-label", `${panel.title}: ` + part.buckets.slice(0, 5).map((b) => `${b.label} ${b.count}`).join(", "));
      table(body, part.buckets, true);
      if (!chart) return;
      const labels = part.buckets.map((b) => b.label);
      const option = panel.chart === "pie" ? {
        animation: false, color: R.palette, tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"], data: part.buckets.map((b) => ({ name: b.label, value: b.count, filter: b.filter })) }],
      } : {
        animation: false, color: R.palette, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 8, right: 24, top: 8, bottom: 28, containLabel: true },
        xAxis: { type: "value", name: t("Count"), nameLocation: "middle", nameGap: 22, minInterval: 1 },
        yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 130, overflow: "truncate" } },
        series: [{ type: "bar", barMaxWidth: 16, data: part.buckets.map((b) => ({ value: b.count, filter: b.filter })) }],
      };
      chart.setOption(option, true);
      chart.off("click");
      chart.on("click", (e) => e.data && e.data.filter && addFilter(e.data.filter));
    },
    geo(panel, body, part) {
      empty(body, part.countries.length === 0 && part.places.length === 0);
      const box = chartIn(body, panel), chart = R.chart(box);
      box.setAttribute("aria-label", `${panel.title}: ` + part.countries.slice(0, 5).map((c) => `${c.label} ${c.count}`).join(", "));
      table(body, part.countries.concat(part.places), true);
      if (!chart || typeof topojson === "undefined") return;
      world = world || fetch("/vendor/countries-110m.json").then((r) => r.json()).then(worldMap);
      world.then(() => {
        const peak = Math.max(1, ...part.countries.map((c) => c.count));
        const biggest = Math.max(1, ...part.places.map((p) => p.count));
        chart.setOption({
          animation: false,
          tooltip: { trigger: "item", formatter: (p) => p.data ? `${R.escape(p.data.label)}: ${p.data.count}` : R.escape(countryNames[p.name] || p.name) },
          visualMap: { min: 0, max: peak, seriesIndex: 0, left: "left", bottom: 8, calculable: false, text: [String(peak), "0"], inRange: { color: ["#e0ecff", "#1e3a8a"] }, itemHeight: 80 },
          geo: { map: "world", roam: true, itemStyle: { areaColor: "#eef1f5", borderColor: "#9aa5b4" }, emphasis: { label: { show: false } } },
          series: [
            { type: "map", geoIndex: 0, data: part.countries.filter((c) => c.numeric).map((c) => ({ name: c.numeric, value: c.count, label: c.label, count: c.count, filter: c.filter })) },
            { type: "scatter", coordinateSystem: "geo", itemStyle: { color: "#b45309", borderColor: "#fff" },
              symbolSize: (v) => 6 + 14 * Math.sqrt(v[2] / biggest),
              data: part.places.map((p) => ({ name: p.label, value: [p.lon, p.lat, p.count], label: p.label, count: p.count, filter: p.filter })) },
          ],
        }, true);
        chart.off("click");
        chart.on("click", (e) => e.data && e.data.filter && addFilter(e.data.filter));
      });
    },
    search(panel, body, part) { feed(body, part.articles, articleItem, t("No articles yet")); },
    alerts(panel, body, part) { feed(body, part.alerts, alertItem, t("No alerts yet")); },
  };

  // The world from world-atlas (TopoJSON, ISO 3166 numeric ids) as an ECharts map whose region
  // names are those ids. Rings crossing the antimeridian are unwrapped (ECharts draws plain
  // longitude/latitude: a ring from 179° to -179° would otherwise streak across the map).
  const countryNames = {};
  function worldMap(topo) {
    const shapes = topojson.feature(topo, topo.objects.countries);
    shapes.features = shapes.features.filter((f) => f.id !== "010");  // Antarctica: no news there
    for (const f of shapes.features) {
      countryNames[f.id] = f.properties.name;
      f.properties.name = f.id || f.properties.name;
      const polygons = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const polygon of polygons) for (const ring of polygon) unwrap(ring);
    }
    echarts.registerMap("world", shapes);
  }
  function unwrap(ring) {
    const crosses = ring.some((point, i) => i > 0 && Math.abs(point[0] - ring[i - 1][0]) > 180);
    if (crosses) for (const point of ring) if (point[0] < 0) point[0] += 360;
  }

  function feed(body, items, make, none) {
    let list = body.querySelector(":scope > ol.feed");
    if (!list) { list = el("ol", { class: "feed", "aria-live": "polite", "aria-relevant": "additions" }); body.replaceChildren(list); }
    empty(body, items.length === 0, none);
    const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
    const wanted = new Set(items.map((i) => String(i.id)));
    for (const [id, li] of existing) if (!wanted.has(id)) li.remove();
    let previous = null;
    for (const item of items) {
      let li = existing.get(String(item.id));
      if (!li) {
        li = make(item);
        li.dataset.id = String(item.id);
        li.dataset.shown = String(performance.timeOrigin + performance.now());
        if (rendered) li.classList.add("new");
      }
      const expected = previous ? previous.nextSibling : list.firstChild;
      if (expected !== li) list.insertBefore(li, expected);  // focus stays on an item never moved
      previous = li;
    }
  }
  function articleItem(a) {
    const when = a.ingested_at || a.published_at;
    return el("li", {},
      el("article", { class: "card-mini", lang: a.language, dir: a.dir },
        el("h3", {}, el("a", { href: `/articles/${encodeURIComponent(a.id)}`, text: a.title })),
        el("p", { class: "meta", lang: config.ui, dir: rtl ? "rtl" : "ltr" }, el("bdi", { text: a.source || "?" }), " · ",
          when ? R.time(when) : "", " · ", el("span", { lang: "en", dir: "ltr", text: a.language }))));
  }
  function alertItem(a) {
    const link = a.article_id ? el("a", { href: `/articles/${encodeURIComponent(a.article_id)}`, dir: "auto", text: a.title || a.article_id }) : el("span", { dir: "auto", text: a.title });
    return el("li", { class: "alert-item" },
      el("strong", { dir: "auto", text: a.rule }), a.kind === "spike" ? ` (${t("spike")})` : "", " ", link, " ",
      a.matched ? R.time(a.matched, true) : "");
  }

  function addFilter(filter) {
    if (!state.filters.includes(filter)) state.filters.push(filter);
    pills(); connect();
  }
  function pills() {
    const box = document.getElementById("filters");
    box.replaceChildren(...state.filters.map((f) => {
      const button = el("button", { type: "button", dir: "auto", "aria-label": `${t("Remove filter")} ${f}` }, el("span", { text: f }), " ×");
      button.addEventListener("click", () => { state.filters = state.filters.filter((x) => x !== f); pills(); connect(); document.getElementById("controls").querySelector("input").focus(); });
      return button;
    }));
  }
  function localInput(iso) {
    if (!iso) return "";
    const d = new Date(iso), pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  form.elements.q.value = state.q;
  form.elements.range.value = state.range;
  form.elements.from.value = localInput(state.from);
  form.elements.to.value = localInput(state.to);
  form.querySelector(".custom").hidden = state.range !== "custom";
  form.elements.range.addEventListener("change", () => { form.querySelector(".custom").hidden = form.elements.range.value !== "custom"; });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = form.elements.q.value.trim();
    state.range = form.elements.range.value;
    if (state.range === "custom") {
      if (!form.elements.from.value || !form.elements.to.value) { trouble(`${t("From")} / ${t("To")}?`); return; }
      state.from = new Date(form.elements.from.value).toISOString();
      state.to = new Date(form.elements.to.value).toISOString();
    }
    connect();
  });
  function showPause() { pause.setAttribute("aria-pressed", String(state.paused)); pause.textContent = state.paused ? t("Resume") : t("Pause"); }
  pause.addEventListener("click", () => { state.paused = !state.paused; showPause(); connect(); });
  window.addEventListener("resize", () => document.querySelectorAll(".chart").forEach((box) => { const c = typeof echarts !== "undefined" && echarts.getInstanceByDom(box); if (c) c.resize(); }));
  if (typeof echarts === "undefined") trouble(t("Charts could not load: run make setup (npm ci) to install them."));
  showPause(); pills(); connect();
})();
