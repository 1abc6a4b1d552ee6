// The local page and API as one route table: plain functions from a WebRequest to a WebResponse,
// the same on the dongle, the simulator and Node. Hosts supply the ports and a server adapter
// (hosts/node/web-server.ts, hosts/moddable/web-server.ts).
import type { Firmware } from "../app/firmware.js";
import type { Clock } from "../ports/ports.js";
import type { Reading } from "../reading/model.js";
import type { RawFrame } from "../stream/framer.js";
import { STREAMS, recordToJson, type StreamName } from "../history/history.js";
import type { Zone } from "../history/zones.js";
import { latin1, toHex } from "../util/hex.js";
import { json, text, type WebRequest, type WebResponse } from "./http.js";
import { basicInfo, hwData, type Identity } from "./homewizard.js";
import { LiveHub, liveReading } from "./live.js";
import { historyCsv, historyJson } from "./history-api.js";
import { signedLines } from "../signing/record-signer.js";
import { ASSET_TYPES } from "./assets.js";
import { historySums, periodTotals, readRates, totalsQuantities, type HistorySums, type PeriodTotal } from "./totals.js";
import type { Quantity } from "../publish/quantities.js";
import { FIELDS, loadSettings, parseForm, saveForm, type Field, type SaveResult } from "./settings.js";
import { registersOf } from "../history/recorder.js";
import type { KeyValueStore } from "../ports/ports.js";

export interface WebPorts {
  firmware: Firmware;
  clock: Clock;
  zone: Zone;
  identity: Identity;
  /** The gzip-compressed asset of that name ("index.html", "app.js", …): firmware resources on the dongle. */
  asset(name: string): Uint8Array | undefined;
  /** Wi-Fi facts for the HomeWizard fields (the dongle); never a password. */
  wifi?(): { ssid?: string; strength?: number };
  /** Where settings and rates live (`preference` on the dongle). */
  settings?: KeyValueStore;
  /** The settings this host edits (default: all). */
  fields?: readonly Field[];
  /** A command secret given outside the settings (Node's --command-secret). */
  commandSecret?: string;
  /** Uniform in [0, 1): the per-boot token against cross-site form posts. */
  random(): number;
  onSaved?(result: SaveResult): void;
}

type Handler = (req: WebRequest) => WebResponse;

/** The live message: the reading, and the state of the link and the MQTT connection. */
export interface LiveSnapshot {
  reading: Record<string, unknown> | null;
  receivedAt: number | null;
  link: { frames: number; ok: number; refused: number };
  mqtt: { connected: boolean; deviceId: string | null };
  identity: { serial: string; firmware: string };
}


export class WebApp {
  readonly live = new LiveHub();
  private latest: Reading | null = null;
  private latestFrame: RawFrame | null = null;
  private latestAt = 0;
  private readonly routes: Record<string, Handler>;
  /** Totals for MQTT, recomputed at most once a minute of meter time (they read the history). */
  private published: { minute: number; qs: Quantity[] } = { minute: -1, qs: [] };
  private sums: HistorySums | undefined;
  /** Forms must echo it: another site's page cannot read it, so cannot post settings. */
  private readonly csrf: string;

  constructor(private readonly ports: WebPorts) {
    let token = "";
    while (token.length < 24) token += Math.floor(ports.random() * 16).toString(16);
    this.csrf = token;
    ports.firmware.readingListeners.push((reading, frame) => this.onReading(reading, frame));
    ports.firmware.extraQuantities = (reading) => this.totalsQuantities(reading);
    this.routes = {
      "GET /api": () => json(basicInfo(ports.identity)),
      "GET /api/v1/data": () => this.data(),
      "GET /api/v1/telegram": () => this.telegram(),
      "GET /live": () => json(this.snapshot()),
      "GET /events": () => ({
        status: 200,
        headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
        events: (sink) => this.live.add(sink, JSON.stringify(this.snapshot())),
      }),
      "GET /diag": () => json(this.diag()),
      "GET /demand": () => json(this.demand()),
      "GET /totals": () => json(this.totals()),
      "GET /settings": () => json(this.settingsView()),
      "POST /settings": (req) => this.save(req),
    };
  }

  handle(req: WebRequest): WebResponse {
    const route = this.routes[`${req.method} ${req.path}`];
    if (route) return route(req);
    if (req.method === "GET" && req.path.startsWith("/history/")) return this.history(req);
    const name = req.path === "/" ? "index.html" : req.path.slice(1);
    if (ASSET_TYPES[name] && (req.method === "GET" || req.method === "HEAD")) return this.asset(name);
    return text("not found\n", 404);
  }

  private onReading(reading: Reading, frame: RawFrame): void {
    this.latest = reading;
    this.latestFrame = frame;
    this.latestAt = this.ports.clock.now();
    if (this.live.size) this.live.send(JSON.stringify(this.snapshot()));
  }

  /** The latest validated reading (a fleet's index lists it). */
  get latestReading(): Reading | null {
    return this.latest;
  }

  snapshot(): LiveSnapshot {
    const fw = this.ports.firmware;
    const d = fw.decoder.stats;
    return {
      reading: this.latest ? liveReading(this.latest) : null,
      receivedAt: this.latest ? this.latestAt : null,
      link: { frames: d.frames, ok: d.ok, refused: d.frames - d.ok },
      mqtt: { connected: fw.connected, deviceId: fw.topics?.deviceId ?? null },
      identity: { serial: this.ports.identity.serial, firmware: this.ports.identity.firmwareVersion },
    };
  }

  private data(): WebResponse {
    if (!this.latest) return json({ error: { id: 901, description: "no telegram received yet" } }, 503);
    const wifi = this.ports.wifi?.() ?? {};
    return json(hwData(this.latest, { zone: this.ports.zone, meterModel: this.meterModel(), wifiSsid: wifi.ssid, wifiStrength: wifi.strength }));
  }

  /** The identification line of a DSMR telegram, after the "/" (e.g. "ISK5\2M550T-1012"). */
  private meterModel(): string | undefined {
    const f = this.latestFrame;
    if (!f || f.kind !== "dsmr") return undefined;
    const head = latin1(f.bytes, 0, Math.min(f.bytes.length, 64));
    const end = head.search(/[\r\n]/);
    return end > 1 ? head.slice(1, end) : undefined;
  }

  /** The last valid telegram: its text for DSMR, hex for binary protocols. */
  private telegram(): WebResponse {
    const f = this.latestFrame;
    if (!f) return text("no telegram received yet\n", 503);
    return text(f.kind === "dsmr" ? latin1(f.bytes) : toHex(f.bytes) + "\n");
  }

  private diag(): Record<string, unknown> {
    const fw = this.ports.firmware;
    const f = fw.lastRawFrame;
    return {
      diag: fw.diag(),
      lastFrame: f ? { kind: f.kind, error: f.error ?? null, length: f.bytes.length, hex: toHex(f.bytes), text: printable(f.bytes) } : null,
    };
  }

  /** The reference instant for periods: the meter's time of the latest reading (replays too), else the clock. */
  private now(): number {
    const t = this.latest?.time ? Date.parse(this.latest.time) : NaN;
    return isFinite(t) ? t : this.ports.clock.now();
  }

  totals(): { currency: string | null; rates: boolean; periods: PeriodTotal[] } {
    const h = this.ports.firmware.history?.store;
    const rates = readRates(this.ports.settings);
    if (h) this.sums = historySums(h, this.ports.zone, this.now(), this.sums);
    const periods = h ? periodTotals(this.sums!, this.ports.zone, this.latest ? registersOf(this.latest) : null, rates) : [];
    return { currency: rates?.currency ?? null, rates: rates !== null, periods };
  }

  private totalsQuantities(reading: Reading): Quantity[] {
    this.latest = reading;
    const minute = Math.floor(this.now() / 60_000);
    if (minute !== this.published.minute) {
      const t = this.totals();
      this.published = { minute, qs: totalsQuantities(t.periods, t.currency ?? undefined) };
    }
    return this.published.qs;
  }

  private get fields(): readonly Field[] {
    return this.ports.fields ?? FIELDS;
  }

  private secret(): string | undefined {
    return this.ports.settings?.read("cmd_secret") || this.ports.commandSecret || undefined;
  }

  /** The form's fields with their values; secrets only say whether they are set. */
  private settingsView(): Record<string, unknown> {
    const values = this.ports.settings ? loadSettings(this.ports.settings, {}, this.fields) : {};
    return {
      fields: this.fields.map((f) => (f.secret
        ? { key: f.key, label: f.label, group: f.group, secret: true, set: values[f.key] !== undefined }
        : { key: f.key, label: f.label, group: f.group, secret: false, value: values[f.key] ?? "" })),
      csrf: this.csrf,
      authRequired: this.secret() !== undefined,
    };
  }

  private save(req: WebRequest): WebResponse {
    const store = this.ports.settings;
    const form = req.body.length <= 8192 ? parseForm(req.body) : undefined;
    if (!store) return json({ ok: false, message: "This host keeps no settings." }, 404);
    if (!form) return json({ ok: false, message: "The form could not be read." }, 400);
    if (!sameText(form.csrf, this.csrf)) return json({ ok: false, message: "The form is stale: reload the page." }, 403);
    const secret = this.secret();
    if (secret !== undefined && !sameText(form.auth, secret)) return json({ ok: false, message: "A command secret is set: enter it to save." }, 403);
    const result = saveForm(store, form, this.fields);
    const problems = Object.entries(result.errors).map(([k, v]) => `${k}: ${v}`).join("; ");
    if (problems) return json({ ok: false, errors: result.errors, message: `Not saved: ${problems}` }, 400);
    this.ports.onSaved?.(result);
    return json({ ok: true, saved: result.saved, cleared: result.cleared, message: `Saved ${[...result.saved, ...result.cleared].join(", ") || "nothing"}.` });
  }

  /** This month's running maximum demand (Belgian capacity tariff), as the history JSON shows peaks. */
  private demand(): Record<string, unknown> {
    const peak = this.ports.firmware.history?.store.currentMaxDemand();
    return { current: peak ? JSON.parse(recordToJson(peak)) : null };
  }

  /** GET /history/<stream>.json|.csv?from=ISO&to=ISO; /history/signed.txt?after=N: the signed records. */
  private history(req: WebRequest): WebResponse {
    if (req.path === "/history/signed.txt") return this.signed(req);
    const m = /^\/history\/([a-z-]+)\.(json|csv)$/.exec(req.path);
    const h = this.ports.firmware.history?.store;
    if (!m || !STREAMS.includes(m[1] as StreamName)) return text(`streams: ${STREAMS.join(", ")} (.json or .csv)\n`, 404);
    if (!h) return text("no history store on this host\n", 404);
    const from = req.query.from ? Date.parse(req.query.from) : -Infinity;
    const to = req.query.to ? Date.parse(req.query.to) : Infinity;
    if (isNaN(from) || isNaN(to)) return text("from and to are ISO instants\n", 400);
    const stream = m[1] as StreamName;
    const csv = m[2] === "csv";
    return {
      status: 200,
      headers: {
        "content-type": csv ? "text/csv; charset=utf-8" : "application/json",
        "cache-control": "no-store",
        ...(req.query.download !== undefined ? { "content-disposition": `attachment; filename="metertap-${stream}.${m[2]}"` } : {}),
      },
      body: csv ? historyCsv(h, stream, from, to) : historyJson(h, stream, from, to),
    };
  }

  /** The OCMF lines `metertap verify` checks, counters above `after`, produced record by record. */
  private signed(req: WebRequest): WebResponse {
    const h = this.ports.firmware.history?.store;
    if (!h) return text("no history store on this host\n", 404);
    const after = Number(req.query.after ?? 0);
    if (!Number.isSafeInteger(after) || after < 0) return text("after is a record counter\n", 400);
    const lines = function* () {
      for (const { line } of signedLines(h, undefined, undefined, undefined, after)) yield line + "\n";
    };
    return {
      status: 200,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
        ...(req.query.download !== undefined ? { "content-disposition": `attachment; filename="metertap-signed.txt"` } : {}),
      },
      body: lines(),
    };
  }

  private asset(name: string): WebResponse {
    const gzip = this.ports.asset(name);
    if (!gzip) return text(`${name} is not in this build\n`, 404);
    return { status: 200, headers: { "content-type": ASSET_TYPES[name], "content-encoding": "gzip", "cache-control": name === "index.html" ? "no-cache" : "max-age=3600" }, body: gzip };
  }
}

/** Compares in time independent of where the texts differ. */
function sameText(a: string | undefined, b: string): boolean {
  if (a === undefined || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Frame bytes as text, with anything not printable ASCII shown as "." (binary protocols). */
function printable(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b === 10 || b === 13 || (b >= 32 && b < 127) ? String.fromCharCode(b) : ".";
  return s;
}
