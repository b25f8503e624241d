"use strict";
// The rules page: list, create, edit, test, enable/disable, snooze, delete, import/export, and
// the latest alerts kept live by the feed. Everything goes through /api/alerts with the login.
(function () {
  const A = window.Alerting, R = A.R, el = A.el, t = A.t;
  const status = document.getElementById("status"), problem = document.getElementById("problem");
  const form = document.getElementById("rule-form"), formError = document.getElementById("form-error");
  const rulesBody = document.querySelector("#rules tbody"), recentBody = document.querySelector("#recent tbody");
  const testBox = document.getElementById("test-result");
  let editing = null;  // the rule being edited (its saved version), or null for a new one

  function say(text, live) { status.textContent = text; status.classList.toggle("live", !!live); }
  function trouble(box, message) { box.textContent = message || ""; box.hidden = !message; }
  const list = (text) => text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean);
  const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

  async function loadRules() {
    const { rules } = await A.api("GET", "/api/alerts");
    if (!rules.length) { A.emptyRow(rulesBody, 7, t("No rules yet")); return rules; }
    rulesBody.replaceChildren(...rules.map(ruleRow));
    return rules;
  }
  function stateCell(rule) {
    const cell = el("td", { class: "state" });
    const label = rule.state === "snoozed" ? t("Snoozed until") : t(rule.state === "enabled" ? "Enabled" : "Disabled");
    cell.append(el("span", { class: `badge state-${rule.state}`, text: label }));
    if (rule.state === "snoozed") cell.append(" ", R.time(rule.snoozed_until));
    return cell;
  }
  function deliveryText(rule) {
    return rule.delivery === "digest" ? `${t("Digest every")} ${rule.digest_minutes} ${t("min")}` : t("Each alert at once");
  }
  function action(label, handler, attrs) {
    // The rule's name in the accessible name: "Delete isis", not one more "Delete" among many.
    const named = attrs && attrs.rule ? { "aria-label": `${label} ${attrs.rule}` } : {};
    const button = el("button", { type: "button", ...(attrs || {}), ...named, rule: null, text: label });
    button.addEventListener("click", () => handler().catch((e) => trouble(problem, e.message)));
    return button;
  }
  function ruleRow(rule) {
    const path = `/api/alerts/rules/${encodeURIComponent(rule.name)}`;
    const snooze = el("select", { "aria-label": `${t("Snooze for")} ${rule.name}`, class: "snooze-for", dir: "ltr" },
      ...[[60, "1 h"], [480, "8 h"], [1440, "24 h"], [10080, "7 d"]].map(([m, text]) => el("option", { value: m, text })));
    const actions = el("td", { class: "actions" },
      action(t("Edit"), async () => edit(rule), { "data-action": "edit", rule: rule.name }),
      action(t("Test"), async () => showTest(await A.api("GET", `${path}/test?days=7`)), { "data-action": "test", rule: rule.name }),
      action(rule.enabled ? t("Disable") : t("Enable"), async () => { await A.api("POST", `${path}/${rule.enabled ? "disable" : "enable"}`); await refresh(); }, { "data-action": rule.enabled ? "disable" : "enable", rule: rule.name }));
    if (rule.state === "snoozed") {
      actions.append(action(t("Unsnooze"), async () => { await A.api("POST", `${path}/unsnooze`); await refresh(); }, { "data-action": "unsnooze", rule: rule.name }));
    } else {
      actions.append(el("span", { class: "snooze" }, snooze, action(t("Snooze"), async () => {
        await A.api("POST", `${path}/snooze`, { minutes: Number(snooze.value) }); await refresh();
      }, { "data-action": "snooze", rule: rule.name })));
    }
    actions.append(action(t("Delete"), async () => {
      if (!window.confirm(`${t("Delete the rule")} ${rule.name}?`)) return;
      await A.api("DELETE", path); await refresh(); say(`${t("Deleted")} ${rule.name}`);
    }, { "data-action": "delete", class: "danger", rule: rule.name }));
    const destinations = [...rule.webhooks.map((u) => `webhook ${u}`), ...rule.slack.map((u) => `slack ${u}`), ...rule.emails.map((a) => `email ${a}`)];
    return el("tr", { "data-rule": rule.name },
      el("th", { scope: "row" }, el("bdi", { text: rule.name })),
      el("td", { text: t(rule.kind) }),
      el("td", {}, el("code", { dir: "auto", text: rule.query || "—" })),
      stateCell(rule),
      el("td", { text: deliveryText(rule) }),
      el("td", {}, destinations.length ? el("ul", { class: "deliveries" }, ...destinations.map((d) => el("li", { dir: "ltr", text: d }))) : el("span", { class: "muted", text: t("alerts topic and feed only") })),
      actions);
  }

  function fromForm() {
    const f = form.elements, number = (name) => Number(f[name].value || 0);
    const rule = {
      name: f.name.value.trim(), query: f.query.value.trim(), filters: {},
      webhooks: lines(f.webhooks.value), slack: lines(f.slack.value), emails: lines(f.emails.value),
      delivery: f.delivery.value, digest_minutes: number("digest_minutes") || 60,
      max_per_minute: number("max_per_minute") || 60, enabled: f.enabled.checked,
      message: { subject: f.subject.value, text: f.text.value },
    };
    for (const name of ["lang", "country", "source", "type"]) { const values = list(f[name].value); if (values.length) rule.filters[name] = values; }
    if (f.kind.value === "spike") {
      rule.spike = { by: f.spike_by.value, window: number("spike_window") * 60, threshold: number("spike_threshold"), factor: number("spike_factor"), baseline: number("spike_baseline") || 6 };
    } else if (f.kind.value === "silence") {
      rule.silence = { by: f.silence_by.value, keys: list(f.silence_keys.value), after: number("silence_after") * 60, factor: number("silence_factor") };
    }
    if (editing && editing.snoozed_until) rule.snoozed_until = editing.snoozed_until;
    return rule;
  }
  function toForm(rule) {
    const f = form.elements;
    form.reset();
    f.name.value = rule.name; f.query.value = rule.query || "";
    for (const name of ["lang", "country", "source", "type"]) f[name].value = (rule.filters[name] || []).join(", ");
    f.webhooks.value = rule.webhooks.join("\n"); f.slack.value = rule.slack.join("\n"); f.emails.value = rule.emails.join("\n");
    f.delivery.value = rule.delivery; f.digest_minutes.value = rule.digest_minutes; f.max_per_minute.value = rule.max_per_minute;
    f.enabled.checked = rule.enabled; f.subject.value = rule.message.subject; f.text.value = rule.message.text;
    f.kind.value = rule.kind;
    if (rule.spike) {
      f.spike_by.value = rule.spike.by; f.spike_window.value = rule.spike.window / 60; f.spike_threshold.value = rule.spike.threshold;
      f.spike_factor.value = rule.spike.factor; f.spike_baseline.value = rule.spike.baseline;
    }
    if (rule.silence) {
      f.silence_by.value = rule.silence.by; f.silence_keys.value = rule.silence.keys.join(", ");
      f.silence_after.value = rule.silence.after / 60; f.silence_factor.value = rule.silence.factor;
    }
    showKind();
  }
  function showKind() {
    const kind = form.elements.kind.value;
    form.querySelector(".spike-fields").hidden = kind !== "spike";
    form.querySelector(".silence-fields").hidden = kind !== "silence";
  }
  function edit(rule) {
    editing = rule;
    toForm(rule);
    form.elements.name.readOnly = true;  // a rule keeps its name
    document.getElementById("form-title").textContent = `${t("Edit rule")} ${rule.name}`;
    document.getElementById("cancel").hidden = false;
    trouble(formError, "");
    form.elements.query.focus();
  }
  function newRule() {
    editing = null;
    form.reset(); showKind();
    form.elements.name.readOnly = false;
    document.getElementById("form-title").textContent = t("New rule");
    document.getElementById("cancel").hidden = true;
  }
  async function save(event) {
    event.preventDefault();
    trouble(formError, "");
    const rule = fromForm();
    try {
      const saved = editing
        ? await A.api("PUT", `/api/alerts/rules/${encodeURIComponent(editing.name)}`, rule)
        : await A.api("POST", "/api/alerts", rule);
      const secret = !editing && saved.secret && saved.webhooks.length ? ` · ${t("webhook signing secret")}: ${saved.secret}` : "";
      newRule();
      await refresh();
      say(`${t("Saved")} ${saved.name}${secret}`);
    } catch (e) { trouble(formError, e.message); }
  }
  function showTest(result) {
    testBox.hidden = false;
    testBox.querySelector(".summary").textContent = `${result.rule}: ${result.total} ${t("articles in the last")} ${result.days} ${t("days")}`;
    testBox.querySelector(".feed").replaceChildren(...result.articles.map((a) => el("li", {},
      el("a", { href: `/articles/${encodeURIComponent(a.id)}`, lang: a.language || null, dir: "auto", text: a.title }), " · ",
      el("bdi", { text: a.source || "?" }), " ", a.when ? R.time(a.when) : "")));
    if (!result.articles.length) testBox.querySelector(".feed").append(el("li", { class: "empty", text: t("Nothing matched") }));
    testBox.scrollIntoView({ block: "nearest" });
  }
  async function testDraft() {
    trouble(formError, "");
    try { showTest(await A.api("POST", "/api/alerts/test?days=7", fromForm())); } catch (e) { trouble(formError, e.message); }
  }
  async function importFile(event) {
    event.preventDefault();
    const input = event.target.elements.file;
    if (!input.files.length) { trouble(problem, t("Choose a file first")); return; }
    const text = await input.files[0].text();
    const replace = event.target.elements.replace.checked ? "?replace=1" : "";
    try {
      const done = await A.api("POST", `/api/alerts/import${replace}`, text, "application/yaml");
      trouble(problem, "");
      say(`${t("Imported")}: ${done.added.length} ${t("new")}, ${done.replaced.length} ${t("replaced")}`);
      event.target.reset();
      await refresh();
    } catch (e) { trouble(problem, e.message); }
  }
  async function fields() {
    const { fields } = await A.api("GET", "/api/alerts/fields");
    document.getElementById("fields").replaceChildren(...Object.entries(fields).flatMap(([name, what]) => [el("dt", { dir: "ltr" }, el("code", { text: "$" + name })), el("dd", { text: what })]));
  }
  async function recent() {
    const { alerts } = await A.api("GET", "/api/alerts/fired?limit=20");
    if (!alerts.length) A.emptyRow(recentBody, 5, t("No alerts yet"));
    else recentBody.replaceChildren(...alerts.map(A.alertRow));
  }
  async function refresh() { trouble(problem, ""); await loadRules(); }

  form.addEventListener("submit", save);
  form.querySelectorAll("input[name=kind]").forEach((radio) => radio.addEventListener("change", showKind));
  document.getElementById("test").addEventListener("click", testDraft);
  document.getElementById("cancel").addEventListener("click", newRule);
  document.getElementById("import-form").addEventListener("submit", importFile);
  Promise.all([refresh(), fields(), recent()])
    .then(() => { say(t("Loaded")); A.live((a) => A.show(recentBody, a, true), say); document.body.dataset.ready = "1"; })
    .catch((e) => { trouble(problem, e.message); say(t("Error")); });
})();
