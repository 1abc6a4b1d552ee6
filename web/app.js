// metertap's local page: live values over Server-Sent Events, history charts (uPlot), period
// totals, diagnostics and settings, all from the dongle's own routes (modules/web/app.ts).
"use strict";
const $ = (s) => document.querySelector(s);
const get = (url) => fetch(url).then((r) => (r.ok ? r.json() : Promise.reject(new Error(url + ": " + r.status))));
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
const fmt = (v, d) => (v === undefined || v === null ? "–" : Number(v).toLocaleString("en", { maximumFractionDigits: d ?? 0 }));
const H = 3600e3;
let last = null;
const charts = (window.metertapCharts = {});

// ---- live ----
function pick(o, path) {
  return path.split(".").reduce((a, k) => (a == null ? undefined : a[k]), o);
}
function showLive(m) {
  last = m;
  const r = m.reading;
  $("#frames").textContent = `${m.link.ok} of ${m.link.frames} frames valid`;
  $("#mqtt-dot").className = m.mqtt.connected ? "ok" : "bad";
  $("#mqtt").textContent = m.mqtt.connected ? "MQTT connected" : "MQTT not connected";
  if (!r) return;
  $("#meter").textContent = `${r.protocol.toUpperCase()} meter ${r.meterId ?? ""}`;
  $("#link-dot").className = "ok";
  $("#link").textContent = "telegram " + new Date(m.receivedAt).toLocaleTimeString();
  for (const el of document.querySelectorAll("#live [data-k]")) {
    const v = pick(r, el.dataset.k);
    el.textContent = el.dataset.k === "time" ? (v ? new Date(v).toLocaleString() : "–") : fmt(v);
  }
  const rows = [["Import W", r.power.importPhases, 0], ["Export W", r.power.exportPhases, 0], ["Voltage V", r.voltage, 1], ["Current A", r.current, 2]];
  $("#phases tbody").innerHTML = rows
    .filter(([, p]) => p && Object.keys(p).length)
    .map(([n, p, d]) => `<tr><th>${n}</th>${["l1", "l2", "l3"].map((k) => `<td data-phase="${n[0]}${k}">${fmt(p[k], d)}</td>`).join("")}</tr>`).join("");
  const regs = [["Import", r.energy.import], ["Export", r.energy.export]];
  (r.energy.importTariffs || []).forEach((v, i) => regs.push([`Import T${i + 1}`, v]));
  (r.energy.exportTariffs || []).forEach((v, i) => regs.push([`Export T${i + 1}`, v]));
  const reg = regs.filter(([, v]) => v !== undefined).map(([n, v]) => `<tr><th>${n}</th><td>${fmt(v / 1000, 3)} kWh</td></tr>`);
  for (const s of r.subMeters) if (s.value !== null) reg.push(`<tr><th>${esc(s.type)} ${s.channel}</th><td data-sub="${esc(s.type)}">${fmt(s.value, 3)} ${esc(s.unit ?? "")}</td></tr>`);
  $("#registers tbody").innerHTML = reg.join("");
}
function connect() {
  const es = new EventSource("events");
  es.onmessage = (e) => showLive(JSON.parse(e.data));
  es.onerror = () => ($("#link-dot").className = "bad");
}

// ---- history ----
const refTime = () => (last && last.reading && last.reading.time ? Date.parse(last.reading.time) : Date.now());
const iso = (ms) => new Date(ms).toISOString();
const hist = (stream, from) => get(`history/${stream}.json` + (from ? `?from=${iso(from)}` : ""));
const kwh = (rec, ch) => (rec.delta && rec.delta[ch] !== undefined ? rec.delta[ch] / 1000 : null);
function plot(name, el, series, data, opts) {
  if (charts[name]) charts[name].destroy();
  el.textContent = data[0].length ? "" : "No records yet.";
  const width = Math.min(960, el.clientWidth || 900);
  charts[name] = new uPlot({ width, height: 220, series: [{}, ...series], ...opts }, data, el);
}
const bars = uPlot.paths.bars({ size: [0.8, 40] });
async function loadHistory() {
  const now = refTime();
  const qh = await hist("quarter-hour", now - 48 * H);
  plot("quarterHour", $("#chart-qh"), [
    { label: "Import kWh", stroke: "#c33", fill: "#c334", paths: bars },
    { label: "Export kWh", stroke: "#393", fill: "#3934", paths: bars },
  ], [qh.map((r) => Date.parse(r.start) / 1000), qh.map((r) => kwh(r, "+A")), qh.map((r) => kwh(r, "-A"))]);
  const daily = await hist("daily", now - 396 * 24 * H);
  plot("daily", $("#chart-daily"), [
    { label: "Import kWh", stroke: "#c33", fill: "#c334", paths: bars },
    { label: "Export kWh", stroke: "#393", fill: "#3934", paths: bars },
  ], [daily.map((r) => Date.parse(r.start) / 1000), daily.map((r) => kwh(r, "+A")), daily.map((r) => kwh(r, "-A"))]);
  const months = (await hist("monthly")).slice(-13);
  const peaks = await hist("max-demand");
  const demand = await get("demand");
  const peakOf = (m) => (demand.current && demand.current.month === m ? demand.current : peaks.find((p) => p.month === m));
  const ms = months.map((r) => r.month);
  if (demand.current && !ms.includes(demand.current.month)) ms.push(demand.current.month);
  $("#peak-now").textContent = demand.current ? `${fmt(demand.current.power_w / 1000, 3)} kW at ${new Date(demand.current.start).toLocaleString()}` : "–";
  plot("monthly", $("#chart-monthly"), [
    { label: "Import kWh", stroke: "#c33", fill: "#c334", paths: bars, scale: "kWh" },
    { label: "Max demand kW", stroke: "#36c", width: 2, scale: "kW", points: { size: 7 } },
  ], [ms.map((m) => Date.parse(m + "-01T00:00:00Z") / 1000), ms.map((m) => { const r = months.find((x) => x.month === m); return r ? kwh(r, "+A") : null; }),
    ms.map((m) => { const p = peakOf(m); return p ? p.power_w / 1000 : null; })],
  { axes: [{}, { scale: "kWh" }, { scale: "kW", side: 1, grid: { show: false } }] });
  const volts = await hist("voltage", now - 48 * H);
  const n = Math.max(0, ...volts.map((r) => r.phases.length));
  const vs = [], vd = [volts.map((r) => Date.parse(r.start) / 1000)], colors = ["#c60", "#06c", "#393"];
  for (let p = 0; p < n; p++) {
    vs.push({ label: `L${p + 1} max`, stroke: colors[p] + "6" }, { label: `L${p + 1} avg`, stroke: colors[p], width: 2 }, { label: `L${p + 1} min`, stroke: colors[p] + "6" });
    for (const k of ["max", "avg", "min"]) vd.push(volts.map((r) => (r.phases[p] ? r.phases[p][k] : null)));
  }
  plot("voltage", $("#chart-voltage"), vs, vd, { bands: Array.from({ length: n }, (_, p) => ({ series: [1 + 3 * p, 3 + 3 * p], fill: colors[p] + "2" })) });
  const events = (await hist("events")).slice(-100).reverse();
  $("#events tbody").innerHTML = events.map((e) => `<tr><td>${new Date(e.time).toLocaleString()}</td><td>${esc(e.type)}</td><td>${esc(
    [e.duration_s !== undefined ? `${e.duration_s} s` : "", e.phase ? `L${e.phase}` : "", e.voltage !== undefined ? `${e.voltage} V` : "", e.shift_s !== undefined ? `shift ${e.shift_s} s` : ""].filter(Boolean).join(", "))}</td></tr>`).join("") || `<tr><td colspan="3">No events.</td></tr>`;
}

// ---- totals ----
async function loadTotals() {
  const t = await get("totals");
  $("#totals-table tbody").innerHTML = t.periods.map((p) => `<tr data-period="${p.name}"><th>${esc(p.label)}</th><td>${fmt(p.import, 3)}</td><td>${fmt(p.export, 3)}</td><td>${fmt(p.gas, 3)}</td><td>${p.cost === undefined ? "–" : esc(t.currency) + " " + p.cost.toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}</td></tr>`).join("");
  $("#totals-note").textContent = t.rates ? "Cost from the rates under Settings." : "Set rates under Settings to see cost.";
}

// ---- diagnostics ----
function flat(o, pre, out) {
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v === "object") flat(v, pre + k + ".", out);
    else out.push([pre + k, v]);
  }
  return out;
}
async function loadDiag() {
  const d = await get("diag");
  $("#counters tbody").innerHTML = flat(d.diag, "", []).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("");
  $("#frame-text").textContent = d.lastFrame ? d.lastFrame.text : "no frame yet";
  $("#frame-hex").textContent = d.lastFrame ? d.lastFrame.hex : "";
  $("#downloads").innerHTML = ["quarter-hour", "voltage", "daily", "monthly", "max-demand", "events"]
    .map((s) => `<li>${s}: <a href="history/${s}.json?download">JSON</a> · <a href="history/${s}.csv?download">CSV</a></li>`).join("");
}

// ---- settings ----
async function loadSettings(message) {
  const s = await get("settings");
  const groups = {};
  for (const f of s.fields) (groups[f.group] = groups[f.group] || []).push(f);
  $("#settings-form").innerHTML = Object.entries(groups).map(([g, fs]) => `<fieldset><legend>${esc(g)}</legend>${fs.map((f) =>
    `<p><label for="f-${f.key}">${esc(f.label)}</label>` + (f.secret
      ? `<input id="f-${f.key}" type="password" name="${f.key}" autocomplete="off" placeholder="${f.set ? "(set: leave empty to keep)" : "(not set)"}">` + (f.set ? ` <label><input type="checkbox" name="clear_${f.key}"> clear</label>` : "")
      : `<input id="f-${f.key}" name="${f.key}" value="${esc(f.value ?? "")}">`) + "</p>").join("")}</fieldset>`).join("") +
    `<input type="hidden" name="csrf" value="${esc(s.csrf)}">` +
    (s.authRequired ? `<p><label for="f-auth">Command secret (required to save)</label><input id="f-auth" type="password" name="auth" autocomplete="off"></p>` : "") +
    `<p><button>Save</button></p>`;
  if (message !== undefined) $("#settings-msg").textContent = message;
}
$("#settings-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = new URLSearchParams(new FormData(e.target));
  const r = await fetch("settings", { method: "POST", body });
  const j = await r.json();
  loadSettings(j.message);
});

// ---- views ----
const loaders = { history: loadHistory, totals: loadTotals, diag: loadDiag, settings: loadSettings };
function route() {
  const view = (location.hash || "#live").slice(1);
  for (const s of document.querySelectorAll("main section")) s.hidden = s.id !== view;
  for (const a of document.querySelectorAll("nav a")) a.className = a.getAttribute("href") === "#" + view ? "on" : "";
  const load = loaders[view];
  if (load) load().catch((err) => ($("#" + view).dataset.error = err.message));
}
window.addEventListener("hashchange", route);
get("live").then(showLive).finally(() => { connect(); route(); });
