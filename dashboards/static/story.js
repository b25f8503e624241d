"use strict";
// A story on a timeline: each article a point at its time, one row per source.
(function () {
  const R = window.Rasad;
  const data = JSON.parse(document.getElementById("story-data").textContent);
  const M = data.messages, t = (s) => M[s] || s;
  const box = document.getElementById("timeline");
  const chart = R.chart(box);
  if (!chart) return;
  const sources = [...new Set(data.cards.map((c) => c.source || "?"))];
  chart.setOption({
    animation: false, color: R.palette,
    tooltip: { trigger: "item", formatter: (p) => `${R.escape(p.data.title)}<br>${R.escape(p.data.source)} · ${R.escape(p.data.language)}` },
    grid: { left: 8, right: 24, top: 16, bottom: 40, containLabel: true },
    xAxis: { type: "time", name: t("Time"), nameLocation: "middle", nameGap: 26 },
    yAxis: { type: "category", data: sources, name: t("Source") },
    series: [{ type: "scatter", symbolSize: 14, data: data.cards.map((c) => ({
      value: [Date.parse(c.published_at || c.ingested_at), c.source || "?"], title: c.title, source: c.source || "?", language: c.language, id: c.id })) }],
  });
  chart.on("click", (e) => { if (e.data && e.data.id) location.href = `/articles/${encodeURIComponent(e.data.id)}`; });
  window.addEventListener("resize", () => chart.resize());
})();
