// The settings the local page edits: what `preference` stores on the dongle (Wi-Fi, MQTT, keys,
// time zone, command secret) and the rates cost is computed from (on every host). Core code, so
// the form handling runs and is tested alike on Node and XS. Preference keys are at most 15 characters and
// values at most 4000 bytes (ESP32 NVS through Moddable's preference module).
import type { KeyValueStore } from "../../modules/ports/ports.js";
import { checkCaPem } from "./pem.js";
import type { FirmwareConfig } from "../app/firmware.js";
import { ZONE_NAMES, zoneConfig } from "../history/zones.js";
import { fromHex } from "../util/hex.js";

export interface Field {
  /** Preference key and form field name (≤ 15 characters). */
  key: string;
  label: string;
  /** Heading the page shows it under. */
  group: string;
  /** Only the dongle uses it (Node takes these from the command line). */
  device?: boolean;
  /** Never shown back, never logged; an empty input keeps the stored value. */
  secret: boolean;
  /** An error message, or undefined when the value is acceptable. */
  check(value: string): string | undefined;
}

export const MAX_VALUE_LENGTH = 4000;
const MAX_KEY_LENGTH = 15;

const hexKey = (v: string) => (/^[0-9a-fA-F]{32}$/.test(v) ? undefined : "must be 32 hex digits");
const text = (max: number) => (v: string) => (v.length <= max ? undefined : `at most ${max} characters`);
const price = (v: string) => (/^\d{1,5}(\.\d{1,6})?$/.test(v) ? undefined : "a price ≥ 0, like 0.2731");

export const FIELDS: readonly Field[] = [
  { key: "ssid", label: "Wi-Fi network", group: "Wi-Fi", device: true, secret: false, check: text(32) },
  { key: "wifi_pw", label: "Wi-Fi password", group: "Wi-Fi", device: true, secret: true, check: (v) => (v.length === 0 || (v.length >= 8 && v.length <= 63) ? undefined : "8 to 63 characters") },
  { key: "mqtt_url", label: "MQTT broker (mqtt://host:1883 or mqtts://host:8883)", group: "MQTT", device: true, secret: false, check: (v) => ("error" in parseMqttUrl(v) ? (parseMqttUrl(v) as { error: string }).error : undefined) },
  { key: "mqtt_user", label: "MQTT user", group: "MQTT", device: true, secret: false, check: text(64) },
  { key: "mqtt_pw", label: "MQTT password", group: "MQTT", device: true, secret: true, check: text(128) },
  // One line or several: the check ignores the line breaks an <input> drops.
  { key: "tls_ca", label: "Trusted CA certificate (PEM) for mqtts:// and https:// updates, besides the built-in roots", group: "MQTT", device: true, secret: false, check: checkCaPem },
  { key: "key_enc", label: "Meter encryption key (GUEK, 32 hex)", group: "Meter", device: true, secret: true, check: hexKey },
  { key: "key_auth", label: "Meter authentication key (GAK, 32 hex)", group: "Meter", device: true, secret: true, check: hexKey },
  { key: "tz", label: "Time zone (IANA, e.g. Europe/Amsterdam)", group: "Meter", device: true, secret: false, check: (v) => (ZONE_NAMES.includes(v) ? undefined : `one of ${ZONE_NAMES.join(", ")}`) },
  { key: "rate_t1", label: "Import price, tariff 1 (or the only tariff), per kWh", group: "Rates", secret: false, check: price },
  { key: "rate_t2", label: "Import price, tariff 2, per kWh", group: "Rates", secret: false, check: price },
  { key: "rate_exp", label: "Export compensation per kWh", group: "Rates", secret: false, check: price },
  { key: "rate_gas", label: "Gas price per m³", group: "Rates", secret: false, check: price },
  { key: "rate_day", label: "Fixed charge per day", group: "Rates", secret: false, check: price },
  { key: "currency", label: "Currency (ISO code: EUR, GBP, CHF …)", group: "Rates", secret: false, check: (v) => (/^[^<>&"']{1,4}$/.test(v) ? undefined : "1 to 4 characters") },
  { key: "cmd_secret", label: "Command secret", group: "Security", device: true, secret: true, check: text(64) },
];

export type Settings = Partial<Record<string, string>>;

export function loadSettings(store: KeyValueStore, defaults: Settings = {}, fields: readonly Field[] = FIELDS): Settings {
  const out: Settings = { ...defaults };
  for (const f of fields) {
    const v = store.read(f.key);
    if (v !== undefined && v !== "") out[f.key] = v;
  }
  return out;
}

/**
 * The part of the firmware's configuration that comes from the settings, the same on every
 * Moddable host: the zone gives the decoder its standard offset through the core's one mapping.
 */
export function meterConfig(settings: Settings, log: (line: string) => void): Partial<FirmwareConfig> {
  const zone = zoneConfig(settings.tz);
  if (zone.problem) log(`settings: ${zone.problem}`);
  return {
    timeZone: zone.timeZone,
    standardOffsetMinutes: zone.standardOffsetMinutes,
    commandSecret: settings.cmd_secret,
    encryptionKey: settings.key_enc ? fromHex(settings.key_enc) : undefined,
    authenticationKey: settings.key_auth ? fromHex(settings.key_auth) : undefined,
  };
}

export interface SaveResult {
  saved: string[];
  cleared: string[];
  /** Field key → problem. Nothing is stored when any field is refused. */
  errors: Record<string, string>;
}

/**
 * Applies a submitted form: a non-empty value replaces the stored one, `clear_<key>=on` removes
 * it, and an empty secret keeps what is stored (the page never shows secrets back).
 */
export function saveForm(store: KeyValueStore, form: Record<string, string>, fields: readonly Field[] = FIELDS): SaveResult {
  const result: SaveResult = { saved: [], cleared: [], errors: {} };
  const writes: [string, string][] = [];
  for (const f of fields) {
    if (f.key.length > MAX_KEY_LENGTH) throw new Error(`preference key ${f.key} is too long`);
    const value = (form[f.key] ?? "").trim();
    if (form["clear_" + f.key] === "on") {
      result.cleared.push(f.key);
      continue;
    }
    if (value === "") continue;
    const problem = value.length > MAX_VALUE_LENGTH ? "too long" : f.check(value);
    if (problem) result.errors[f.key] = problem;
    else writes.push([f.key, value]);
  }
  if (Object.keys(result.errors).length) return { saved: [], cleared: [], errors: result.errors };
  for (const key of result.cleared) store.delete(key);
  for (const [key, value] of writes) {
    store.write(key, value);
    result.saved.push(key);
  }
  return result;
}

/** Decodes an application/x-www-form-urlencoded body; undefined if it is not well formed. */
export function parseForm(body: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (body === "") return out;
  try {
    for (const pair of body.split("&")) {
      const eq = pair.indexOf("=");
      const name = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, " "));
      out[name] = eq < 0 ? "" : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, " "));
    }
  } catch {
    return undefined;
  }
  return out;
}

export interface MqttTarget {
  host: string;
  port: number;
  secure: boolean;
}

/** mqtt://host[:port] or mqtts://host[:port]; credentials go in their own fields, never in the URL. */
export function parseMqttUrl(url: string): MqttTarget | { error: string } {
  const m = /^(mqtts?):\/\/([A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?\/?$/.exec(url);
  if (!m) return { error: "must be mqtt://host[:port] or mqtts://host[:port], without user or password" };
  const secure = m[1] === "mqtts";
  const port = m[3] ? Number(m[3]) : secure ? 8883 : 1883;
  if (port < 1 || port > 65535) return { error: "port out of range" };
  return { host: m[2], port, secure };
}
