// The local page and HomeWizard API of `metertap run` and `demo`: the core's WebApp over the
// firmware, served by node:http (a fleet's page, hosts/node/fleet-web.ts, holds one per meter).
import { hostname, networkInterfaces } from "node:os";
import { randomInt } from "node:crypto";
import type { KeyValueStore } from "../../modules/ports/ports.js";
import { FIELDS } from "../../modules/web/settings.js";
import { MemoryStore } from "../../modules/security/replay.js";
import type { Firmware } from "../../modules/app/firmware.js";
import { WebApp } from "../../modules/web/app.js";
import { zone } from "../../modules/history/zones.js";
import type { RunOptions } from "./options.js";
import { nodeAssets } from "./web-assets.js";
import { startWebServer, type WebServer, type WebServerOptions } from "./web-server.js";

const VERSION = "0.1.0";

/** This computer's first MAC address as 12 hex digits: the HomeWizard serial. */
function macSerial(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && i.mac && i.mac !== "00:00:00:00:00:00") return i.mac.replace(/:/g, "");
  }
  return "000000000000";
}

/** One meter's page and API over its firmware; rates go to `store`, else they last for this run. */
export function nodeWebApp(fw: Firmware, o: { serial: string; timeZone?: string; commandSecret?: string; store?: KeyValueStore }): WebApp {
  return new WebApp({
    firmware: fw,
    clock: { now: () => Date.now() },
    zone: zone(o.timeZone ?? "Europe/Amsterdam"),
    identity: { serial: o.serial, firmwareVersion: VERSION },
    asset: nodeAssets(),
    settings: o.store ?? new MemoryStore(),
    // Wi-Fi, MQTT, keys and zone come from the command line here: the page sets rates.
    fields: FIELDS.filter((f) => !f.device),
    commandSecret: o.commandSecret,
    random: () => randomInt(0, 2 ** 47) / 2 ** 47,
  });
}

/** Listens on `--http`; when the default port is taken (another metertap), on any free one. */
export async function listen(app: Pick<WebApp, "handle">, http: NonNullable<RunOptions["http"]>, log: (line: string) => void, advertise?: WebServerOptions["advertise"]): Promise<WebServer> {
  try {
    return await startWebServer(app, { host: http.host, port: http.port, advertise });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE" || http.explicit) throw e;
    log(`metertap: port ${http.port} is taken; the page takes a free one`);
    return startWebServer(app, { host: http.host, port: 0, advertise });
  }
}

/** The page as Home Assistant's "Visit" link: this machine's name when it listens beyond loopback. */
export function pageUrl(http: NonNullable<RunOptions["http"]>, port = http.port): string {
  const host = ["0.0.0.0", "::", ""].includes(http.host) ? hostname() : http.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
}

/** Serves the page of `metertap run` with one meter. */
export async function startWeb(fw: Firmware, options: RunOptions, store: KeyValueStore | undefined, log: (line: string) => void): Promise<WebServer | undefined> {
  const http = options.http;
  if (!http) return undefined;
  const serial = options.config.mac?.replace(/[^0-9a-fA-F]/g, "").toLowerCase() || macSerial();
  const app = nodeWebApp(fw, { serial, timeZone: options.config.timeZone, commandSecret: options.config.commandSecret, store });
  return listen(app, http, log, { name: `metertap-${serial}`, serial });
}
