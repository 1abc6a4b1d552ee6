// The local page on a Moddable host: the core's WebApp with assets from firmware resources
// (gzipped by scripts/web-assets.mjs, listed in manifest.json), served by the Portal adapter.
import Resource from "Resource";
import MDNS from "mdns";
import type { Firmware } from "../../modules/app/firmware.js";
import type { KeyValueStore } from "../../modules/ports/ports.js";
import { WebApp } from "../../modules/web/app.js";
import { zone, ZONE_NAMES } from "../../modules/history/zones.js";
import type { SaveResult } from "../../modules/web/settings.js";

export interface DeviceWebOptions {
  firmware: Firmware;
  store: KeyValueStore;
  /** 12 hex digits (the MAC): the HomeWizard serial. */
  serial: string;
  version: string;
  timeZone?: string;
  wifi?(): { ssid?: string; strength?: number };
  onSaved(result: SaveResult): void;
}

export function deviceWebApp(o: DeviceWebOptions): WebApp {
  return new WebApp({
    firmware: o.firmware,
    clock: { now: () => Date.now() },
    zone: zone(o.timeZone && ZONE_NAMES.includes(o.timeZone) ? o.timeZone : "Europe/Amsterdam"),
    identity: { serial: o.serial, firmwareVersion: o.version },
    asset: (name) => (Resource.exists(name + ".gz") ? new Uint8Array(new Resource(name + ".gz")) : undefined),
    settings: o.store,
    wifi: o.wifi,
    random: Math.random,
    onSaved: o.onSaved,
  });
}

/**
 * Advertises the HomeWizard API as `_hwenergy._tcp` (with HomeWizard's TXT facts) once the
 * host name is claimed, so HomeWizard clients and Home Assistant find the dongle.
 */
export function advertiseHomeWizard(hostName: string, serial: string, port: number, log: (line: string) => void): void {
  const mdns: MDNS = new MDNS({ hostName }, (message: number, value: unknown) => {
    if (message !== 1 || !value) return;
    mdns.add({ name: "hwenergy", protocol: "tcp", port, txt: { api_enabled: "1", path: "/api/v1", serial, product_name: "P1 meter", product_type: "HWE-P1" } });
    log(`mdns: ${String(value)}.local advertises _hwenergy._tcp`);
  });
}
