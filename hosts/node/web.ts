// The local page and HomeWizard API of `metertap run` and `demo`: the core's WebApp over the
// firmware, served by node:http.
import { networkInterfaces } from "node:os";
import { randomInt } from "node:crypto";
import type { KeyValueStore } from "../../modules/ports/ports.js";
import { FIELDS } from "../../modules/web/settings.js";
import { MemoryStore } from "../../modules/security/replay.js";
import type { Firmware } from "../../modules/app/firmware.js";
import { WebApp } from "../../modules/web/app.js";
import { zone } from "../../modules/history/zones.js";
import type { RunOptions } from "./options.js";
import { nodeAssets } from "./web-assets.js";
import { startWebServer, type WebServer } from "./web-server.js";

const VERSION = "0.1.0";

/** This computer's first MAC address as 12 hex digits: the HomeWizard serial. */
function macSerial(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (!i.internal && i.mac && i.mac !== "00:00:00:00:00:00") return i.mac.replace(/:/g, "");
  }
  return "000000000000";
}

/** Serves the page; rates go to `store` (beside the --flash image), else they last for this run. */
export async function startWeb(fw: Firmware, options: RunOptions, store: KeyValueStore | undefined, log: (line: string) => void): Promise<WebServer | undefined> {
  const http = options.http;
  if (!http) return undefined;
  const serial = options.config.mac?.replace(/[^0-9a-fA-F]/g, "").toLowerCase() || macSerial();
  const app = new WebApp({
    firmware: fw,
    clock: { now: () => Date.now() },
    zone: zone(options.config.timeZone ?? "Europe/Amsterdam"),
    identity: { serial, firmwareVersion: VERSION },
    asset: nodeAssets(),
    settings: store ?? new MemoryStore(),
    // Wi-Fi, MQTT, keys and zone come from the command line here: the page sets rates.
    fields: FIELDS.filter((f) => !f.device),
    commandSecret: options.config.commandSecret,
    random: () => randomInt(0, 2 ** 47) / 2 ** 47,
  });
  const advertise = { name: `metertap-${serial}`, serial };
  try {
    return await startWebServer(app, { host: http.host, port: http.port, advertise });
  } catch (e) {
    // The default port may be taken (another metertap): any free one will do, the URL is printed.
    if ((e as NodeJS.ErrnoException).code !== "EADDRINUSE" || http.explicit) throw e;
    log(`metertap: port ${http.port} is taken; the page takes a free one`);
    return startWebServer(app, { host: http.host, port: 0, advertise });
  }
}
