"use strict";
// Shared by the alerts pages: the API (the login cookie, and the session's CSRF token on every
// change), the live feed, and an alert drawn as a table row — its latency record step by step
// and what each destination did. Text from rules and articles only ever goes in as textContent.
window.Alerting = (function () {
  const R = window.Rasad, el = R.el;
  const config = JSON.parse(document.getElementById("alerts-config").textContent);
  const M = config.messages, t = (s) => M[s] || s;
  const STEPS = ["published", "ingested", "tagged", "matched", "delivered"];

  async function api(method, path, body, contentType) {
    const headers = { "X-CSRF-Token": config.csrf, Accept: "application/json" };
    let payload;
    if (body !== undefined) {
      headers["Content-Type"] = contentType || "application/json";
      payload = contentType ? body : JSON.stringify(body);
    }
    const response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
    if (response.status === 401) {
      location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search));
      throw new Error(t("Log in first"));
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
    return data;
  }

  function seconds(s) {
    const a = Math.abs(s);
    if (a < 1) return `${Math.round(s * 1000)} ms`;
    if (a < 120) return `${s.toFixed(1)} s`;
    if (a < 7200) return `${Math.round(s / 60)} min`;
    if (a < 172800) return `${(s / 3600).toFixed(1)} h`;
    return `${(s / 86400).toFixed(1)} d`;
  }
  // published → ingested → tagged → matched → delivered, each with its time and the wait since the step before.
  function latency(record) {
    const list = el("ol", { class: "latency" });
    let previous = null;
    for (const step of STEPS) {
      if (!record || !record[step]) continue;
      const item = el("li", { "data-step": step }, el("span", { class: "step", text: t(step) }), " ", R.time(record[step], true));
      if (previous) item.append(" ", el("bdi", { class: "delta", dir: "ltr", text: "+" + seconds((Date.parse(record[step]) - Date.parse(previous)) / 1000) }));
      list.append(item);
      previous = record[step];
    }
    return list;
  }
  function deliveries(list) {
    if (!list || !list.length) return el("span", { class: "muted", text: t("alerts topic and feed only") });
    const ul = el("ul", { class: "deliveries" });
    for (const d of list) {
      const item = el("li", { "data-status": d.status },
        el("span", { class: "kind", text: d.kind }), " ", el("bdi", { dir: "ltr", class: "target", text: d.target }), " ",
        el("span", { class: `badge status-${d.status}`, text: t(d.status) }));
      if (d.attempts) item.append(" ", el("bdi", { dir: "ltr", text: `×${d.attempts}` }));
      if (d.reason) item.append(" ", el("span", { class: "reason", dir: "auto", text: d.reason }));
      ul.append(item);
    }
    return ul;
  }
  function alertCell(a) {
    const cell = el("td", { class: "what" });
    cell.append(el("span", { class: `badge kind-${a.kind}`, text: t(a.kind === "match" ? "match" : a.kind) }), " ");
    const title = a.title || a.snippet || a.article_id;
    const link = a.article_id
      ? el("a", { href: `/articles/${encodeURIComponent(a.article_id)}`, lang: a.language || null, dir: "auto", text: title })
      : el("span", { dir: "auto", text: title });
    cell.append(link);
    if (a.source) cell.append(" · ", el("bdi", { text: a.source }));
    const concepts = Object.values(a.concepts || {});
    if (concepts.length) cell.append(el("p", { class: "meta", dir: "auto", text: concepts.join(", ") }));
    if (a.spike) cell.append(el("p", { class: "meta", text: `${t("spike")}: ${a.spike.key} · ${a.spike.count}` }));
    return cell;
  }
  function alertRow(a) {
    return el("tr", { "data-id": a.id, "data-rule": a.rule },
      el("td", {}, R.time(a.latency.matched, true)),
      el("td", {}, el("bdi", { text: a.rule })),
      alertCell(a),
      el("td", {}, latency(a.latency)),
      el("td", {}, deliveries(a.deliveries)));
  }
  // Puts an alert at the top of a table body, or redraws its row in place (a delivery finished).
  function show(tbody, a, fresh) {
    const old = [...tbody.children].find((row) => row.dataset.id === a.id);
    const row = alertRow(a);
    if (fresh) row.classList.add("new");
    if (old) old.replaceWith(row); else tbody.prepend(row);
    const empty = tbody.querySelector("tr.empty-row");
    if (empty) empty.remove();
  }
  function emptyRow(tbody, columns, text) {
    tbody.replaceChildren(el("tr", { class: "empty-row" }, el("td", { colspan: columns, class: "empty", text })));
  }
  // The live feed: same-origin EventSource, so the login cookie goes along (no token in the URL).
  function live(onAlert, say) {
    const source = new EventSource("/api/alerts/feed");
    source.addEventListener("open", () => say(t("Live"), true));
    source.addEventListener("alert", (event) => onAlert(JSON.parse(event.data)));
    source.onerror = () => say(t("Reconnecting…"), false);
    return source;
  }
  return { R, el, t, config, api, alertRow, show, emptyRow, live, latency, deliveries, seconds };
})();
