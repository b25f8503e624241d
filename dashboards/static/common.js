"use strict";
// Shared by Rasad's pages: building elements (text only ever goes in as textContent), times
// and numbers isolated from the surrounding direction, and ECharts defaults.
window.Rasad = (function () {
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  const pad = (n) => String(n).padStart(2, "0");
  // Dates read year-month-day in every interface: an Arabic card must not show 20-02-2025.
  function stamp(iso, seconds) {
    const d = new Date(iso);
    const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}` + (seconds ? `:${pad(d.getSeconds())}` : "");
    return `${day} ${clock}`;
  }
  function time(iso, seconds) {
    return el("time", { dir: "ltr", datetime: iso, text: stamp(iso, seconds) });
  }
  const format = new Intl.NumberFormat("en");
  function number(n) { return el("bdi", { text: format.format(n) }); }
  function escape(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  // A link only for http(s): anything else (javascript:, data:) is shown as text.
  function safeHref(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url.trim()) ? url.trim() : null;
  }
  function chart(container) {
    if (typeof echarts === "undefined") return null;
    return echarts.getInstanceByDom(container) || echarts.init(container, null, { renderer: "svg" });
  }
  const palette = ["#1d4ed8", "#b45309", "#15803d", "#9333ea", "#be123c", "#0e7490", "#4d7c0f", "#a16207"];
  return { el, time, stamp, number, escape, safeHref, chart, palette };
})();
