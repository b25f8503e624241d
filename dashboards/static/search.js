"use strict";
// The search page's histogram: a real time axis, every bucket (empty ones as 0), labelled axes.
(function () {
  const R = window.Rasad;
  const data = JSON.parse(document.getElementById("histogram-data").textContent);
  const M = data.messages, t = (s) => M[s] || s;
  const box = document.getElementById("histogram");
  const buckets = data.histogram.buckets;
  if (!buckets.length) { box.replaceChildren(R.el("p", { class: "empty", text: t("No data in this range") })); box.style.height = "auto"; return; }
  const chart = R.chart(box);
  if (!chart) return;
  const day = { day: 86400e3, week: 7 * 86400e3, month: 30 * 86400e3 }[data.histogram.interval];
  const when = (key) => Date.parse(key.length === 7 ? key + "-01T00:00:00Z" : key + "T00:00:00Z");
  box.setAttribute("aria-label", `${t("Articles over time")}: ${buckets.length} × ${t(data.histogram.interval)}`);
  chart.setOption({
    animation: false, color: R.palette, tooltip: { trigger: "axis" },
    grid: { left: 48, right: 16, top: 24, bottom: 40 },
    xAxis: { type: "time", name: t("Time"), nameLocation: "middle", nameGap: 26, min: when(buckets[0][0]) - day / 2, max: when(buckets[buckets.length - 1][0]) + day / 2 },
    yAxis: { type: "value", name: `${t("articles")} ${t("per")} ${t(data.histogram.interval)}`, minInterval: 1, nameTextStyle: { align: "left" } },
    series: [{ type: "bar", barMaxWidth: 24, barMinWidth: 2, data: buckets.map(([key, n]) => [when(key), n]) }],
  });
  window.addEventListener("resize", () => chart.resize());
})();
