"use strict";
// The alert history: a time range, one rule or all, paged; the URL holds the state. On the
// first page of a range that runs to now, alerts delivered meanwhile arrive by the live feed.
(function () {
  const A = window.Alerting, el = A.el, t = A.t;
  const status = document.getElementById("status"), problem = document.getElementById("problem");
  const form = document.getElementById("history-form"), body = document.querySelector("#history tbody");
  const params = new URLSearchParams(location.search);
  const state = {
    rule: params.get("rule") || "", range: params.get("range") || "24h",
    from: params.get("from") || "", to: params.get("to") || "", page: Number(params.get("page") || 1),
  };

  function say(text, live) { status.textContent = text; status.classList.toggle("live", !!live); }
  function trouble(message) { problem.textContent = message || ""; problem.hidden = !message; }
  function query(page) {
    const p = new URLSearchParams();
    if (state.rule) p.set("rule", state.rule);
    p.set("range", state.range);
    if (state.range === "custom") { if (state.from) p.set("from", state.from); if (state.to) p.set("to", state.to); }
    if (page > 1) p.set("page", String(page));
    return p;
  }
  function apiQuery() {
    const p = query(state.page);
    if (state.range === "custom") p.delete("range");
    p.set("page", String(state.page));
    return p;
  }
  function localInput(iso) {
    if (!iso) return "";
    const d = new Date(iso), pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }
  function pageLink(link, page, shown) {
    link.hidden = !shown;
    link.href = "?" + query(page).toString();
  }

  async function rules() {
    const { rules } = await A.api("GET", "/api/alerts");
    const select = form.elements.rule;
    select.append(...rules.map((r) => el("option", { value: r.name, text: r.name })));
    if (state.rule && !rules.some((r) => r.name === state.rule)) select.append(el("option", { value: state.rule, text: state.rule }));
    select.value = state.rule;
  }
  async function load() {
    const page = await A.api("GET", "/api/alerts/history?" + apiQuery().toString());
    if (!page.alerts.length) A.emptyRow(body, 5, t("No alerts in this range"));
    else body.replaceChildren(...page.alerts.map(A.alertRow));
    document.getElementById("summary").textContent = `${page.total} ${t("alerts")}`;
    document.getElementById("page-of").textContent = `${t("Page")} ${page.page} / ${page.pages}`;
    pageLink(document.getElementById("prev"), page.page - 1, page.page > 1);
    pageLink(document.getElementById("next"), page.page + 1, page.page < page.pages);
    return page;
  }
  function follows(alert) {
    // Only where a new alert belongs: the first page of a range that runs to now, of its rule.
    return state.page === 1 && state.range !== "custom" && (!state.rule || state.rule === alert.rule);
  }

  form.elements.range.value = state.range;
  form.elements.from.value = localInput(state.from);
  form.elements.to.value = localInput(state.to);
  form.querySelector(".custom").hidden = state.range !== "custom";
  form.elements.range.addEventListener("change", () => { form.querySelector(".custom").hidden = form.elements.range.value !== "custom"; });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    state.rule = form.elements.rule.value;
    state.range = form.elements.range.value;
    state.page = 1;
    if (state.range === "custom") {
      state.from = form.elements.from.value ? new Date(form.elements.from.value).toISOString() : "";
      state.to = form.elements.to.value ? new Date(form.elements.to.value).toISOString() : "";
    }
    history.replaceState(null, "", "?" + query(1).toString());
    load().then(() => trouble("")).catch((e) => trouble(e.message));
  });
  Promise.all([rules(), load()])
    .then(() => {
      say(t("Loaded"));
      A.live((alert) => { if (follows(alert)) A.show(body, alert, true); }, say);
      document.body.dataset.ready = "1";
    })
    .catch((e) => { trouble(e.message); say(t("Error")); });
})();
