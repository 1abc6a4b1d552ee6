// The local page's routes after a firmware run, the same under Node and XS (test/web-xs.test.ts):
// telegrams in, then every route's response (status, headers, body) and an event stream's pieces.
import { Firmware } from "../../modules/app/firmware.js";
import { SimFlash } from "../sim-flash.js";
import { pushedSource } from "../helpers/pushed-source.js";
import { zone } from "../../modules/history/zones.js";
import { WebApp } from "../../modules/web/app.js";
import { MemoryStore } from "../../modules/security/replay.js";
import type { WebRequest, WebResponse } from "../../modules/web/http.js";
import { toHex } from "../../modules/util/hex.js";

export const WEB_REQUESTS: [string, string, string?][] = [
  ["GET", "/api"],
  ["GET", "/api/v1/data"],
  ["GET", "/api/v1/telegram"],
  ["GET", "/live"],
  ["GET", "/demand"],
  ["GET", "/history/quarter-hour.json", "from=2026-03-28T10:15:00Z"],
  ["GET", "/history/quarter-hour.csv", "download"],
  ["GET", "/history/voltage.csv"],
  ["GET", "/history/daily.json"],
  ["GET", "/history/hourly.json"],
  ["GET", "/totals"],
  ["GET", "/app.js"],
  ["GET", "/nope"],
];

function show(r: WebResponse): string {
  const headers = Object.keys(r.headers).sort().map((k) => `${k}: ${r.headers[k]}`).join("; ");
  let body = "";
  if (typeof r.body === "string") body = r.body;
  else if (r.body instanceof Uint8Array) body = "bytes " + toHex(r.body);
  else if (r.body) for (const piece of r.body) body += piece;
  return `${r.status} ${headers}\n${body}`;
}

/** `input`: telegrams separated by "\f", each at its own meter second, 10 s apart. */
export function webScenario(input: string): string {
  const clock = { ms: Date.UTC(2026, 2, 28, 10), now: () => clock.ms };
  const line = pushedSource();
  const fw = new Firmware({
    openSource: line.open,
    clock,
    flash: new SimFlash({ blocks: 16 }),
    log: () => {},
  }, { deviceId: "xs", timeZone: "Europe/Brussels" });
  const settings = new MemoryStore();
  settings.write("rate_t1", "0.30");
  settings.write("rate_t2", "0.25");
  settings.write("rate_exp", "0.07");
  settings.write("rate_gas", "1.20");
  settings.write("rate_day", "0.50");
  settings.write("currency", "EUR");
  const app = new WebApp({
    firmware: fw, clock, zone: zone("Europe/Brussels"),
    identity: { serial: "0123456789ab", firmwareVersion: "test" },
    asset: (name) => (name === "app.js" ? new Uint8Array([0x1f, 0x8b, 1, 2]) : undefined),
    settings,
    random: () => 0.5,
  });
  const out: string[] = [];
  const events: string[] = [];
  fw.start();
  const telegrams = input.split("\f");
  telegrams.forEach((telegram, i) => {
    if (i === telegrams.length - 2) app.handle(req("GET", "/events")).events!({ write: (t) => void events.push(t) });
    const bytes = new Uint8Array(telegram.length);
    for (let k = 0; k < telegram.length; k++) bytes[k] = telegram.charCodeAt(k);
    line.push(bytes);
    fw.endOfInput();
    fw.tick(clock.ms);
    clock.ms += 10_000;
  });
  for (const [method, path, query] of WEB_REQUESTS) out.push(`${method} ${path}?${query ?? ""} -> ${show(app.handle(req(method, path, query)))}`);
  out.push(`events -> ${events.join("")}`);
  fw.stop();
  return out.join("\n");
}

function req(method: string, path: string, query = ""): WebRequest {
  const q: Record<string, string> = {};
  for (const pair of query.split("&")) if (pair) q[pair.split("=")[0]] = pair.split("=")[1] ?? "";
  return { method, path, query: q, headers: {}, body: "" };
}
