// The local page of a fleet (`metertap run --config`): `/` lists every meter with its latest
// readings, `/api/meters` is the same as JSON, and each meter's own page, API and history live
// under `/meters/<name>/` (the one-meter page, whose links are all relative, served as it is).
import type { WebApp } from "../../modules/web/app.js";
import { json, text, type WebRequest, type WebResponse } from "../../modules/web/http.js";

export interface PageMeter {
  name: string;
  /** The meter's own page; absent when it never started. */
  page?: WebApp;
  error?: string;
}

const PREFIX = "/meters/";

export class FleetPage {
  constructor(private readonly meters: readonly PageMeter[]) {}

  handle(req: WebRequest): WebResponse {
    if (req.path.startsWith(PREFIX)) return this.meter(req);
    if (req.method !== "GET") return text("not found\n", 404);
    if (req.path === "/api/meters") return json({ meters: this.meters.map((m) => this.summary(m)) });
    if (req.path === "/") return text(this.index(), 200, "text/html; charset=utf-8");
    return text("not found\n", 404);
  }

  /** `/meters/<name>/rest` is `/rest` on that meter's page. */
  private meter(req: WebRequest): WebResponse {
    const rest = req.path.slice(PREFIX.length);
    const slash = rest.indexOf("/");
    let name: string;
    try {
      name = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash));
    } catch {
      return text("not found\n", 404);
    }
    const page = this.meters.find((m) => m.name === name)?.page;
    if (!page) return text(`no running meter named ${JSON.stringify(name)}\n`, 404);
    // Without the slash the page's relative links would resolve against /meters/.
    if (slash < 0) return { status: 301, headers: { location: `${req.path}/` } };
    return page.handle({ ...req, path: rest.slice(slash) });
  }

  private summary(m: PageMeter): Record<string, unknown> {
    if (!m.page) return { name: m.name, error: m.error ?? "not running" };
    return { name: m.name, ...(m.error ? { error: m.error } : {}), ...m.page.snapshot() };
  }

  private index(): string {
    const rows = this.meters.map((m) => {
      const link = m.page ? `<a href="meters/${encodeURIComponent(m.name)}/">${esc(m.name)}</a>` : esc(m.name);
      if (!m.page) return `<tr><td>${link}</td><td colspan="7">${esc(m.error ?? "not running")}</td></tr>`;
      const s = m.page.snapshot();
      const r = m.page.latestReading;
      const cells = [
        s.mqtt.deviceId ?? "",
        r ? num(r.power.import, 0, "W") : "",
        r ? num(r.power.export, 0, "W") : "",
        r ? num(r.energy.import === undefined ? undefined : r.energy.import / 1000, 3, "kWh") : "",
        r ? num(r.energy.export === undefined ? undefined : r.energy.export / 1000, 3, "kWh") : "",
        r?.time ?? (s.receivedAt ? new Date(s.receivedAt).toISOString() : "no reading yet"),
        `${s.link.ok} ok, ${s.link.refused} refused${m.error ? `; stopped: ${m.error}` : ""}`,
      ];
      return `<tr><td>${link}</td>${cells.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`;
    });
    return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="10"><title>metertap: ${this.meters.length} meters</title>
<style>body{font:14px system-ui,sans-serif;margin:1em}table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}</style></head>
<body><h1>metertap: ${this.meters.length} meters</h1><p><a href="api/meters">JSON</a></p>
<table><tr><th>meter</th><th>device</th><th>import</th><th>export</th><th>energy import</th><th>energy export</th><th>last reading</th><th>frames</th></tr>
${rows.join("\n")}
</table></body></html>
`;
  }
}

function num(v: number | undefined, decimals: number, unit: string): string {
  return v === undefined ? "" : `${v.toFixed(decimals)} ${unit}`;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
