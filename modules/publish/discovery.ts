// Home Assistant MQTT discovery: one retained config per quantity the meter actually sends, and
// one per diagnostic the host reports. Three kinds of device: the metertap reader (diagnostics,
// software version, local page), the meter it reads (`via_device` the reader, named after the
// meter's own identification), and each M-Bus sub-meter (`via_device` the meter).
import type { Quantity } from "./quantities.js";
import type { Topics } from "./topics.js";
import { presentation, installation, matchKey, SUB_METER_KEY, type Installation } from "./entities.js";
import type { DiagEntity } from "./diag-entities.js";

/** The metertap reader itself. */
export interface DeviceInfo {
  name: string;
  model?: string;
  manufacturer?: string;
  swVersion?: string;
  /** The reader's local page (http://<host>:8080/). */
  configurationUrl?: string;
}

/** The meter as it identifies itself (see meter-info.ts). */
export interface MeterInfo {
  manufacturer?: string;
  model?: string;
  serial?: string;
}

export interface DiscoveryOptions {
  /** Seconds after which HA shows a measurement as unavailable when no state arrives (0: never). */
  expireAfterS: number;
  /** Only the quantities from this index on (the set grew; the ones before are announced as they are). */
  from?: number;
}

export interface DiscoveryMessage {
  topic: string;
  payload: string;
}

const SUB_NAMES: Record<string, string> = { gas: "Gas meter", water: "Water meter", heat: "Heat meter", cold: "Cooling meter" };

/** The reader's HA device id: distinct from the meter's, which is the topic device id. */
export function readerId(topics: Topics): string {
  return `${topics.deviceId}_metertap`;
}

function readerDevice(topics: Topics, d: DeviceInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { identifiers: [readerId(topics)], name: d.name, manufacturer: d.manufacturer ?? "metertap" };
  if (d.model) out.model = d.model;
  if (d.swVersion) out.sw_version = d.swVersion;
  if (d.configurationUrl) out.configuration_url = d.configurationUrl;
  return out;
}

function meterDevice(topics: Topics, m: MeterInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    identifiers: [topics.deviceId],
    name: `${m.manufacturer ?? "Electricity"} meter ${m.serial ?? topics.deviceId}`,
    via_device: readerId(topics),
  };
  if (m.manufacturer) out.manufacturer = m.manufacturer;
  if (m.model) out.model = m.model;
  if (m.serial) out.serial_number = m.serial;
  return out;
}

function subDevice(topics: Topics, q: Quantity, kind: string): Record<string, unknown> {
  const channel = q.key.slice(kind.length + 1);
  const out: Record<string, unknown> = {
    identifiers: [`${topics.deviceId}_${q.key}`],
    name: `${SUB_NAMES[kind]} ${q.serial ?? `${topics.deviceId}-${channel}`}`,
    via_device: topics.deviceId,
  };
  if (q.serial) out.serial_number = q.serial;
  return out;
}

function common(topics: Topics, key: string, name: string | null, device: Record<string, unknown>): Record<string, unknown> {
  // MQTT entities always use has_entity_name (HA 2023.8+; the key itself is not in the schema):
  // `name` is the entity's name on its device, null for the device's main feature.
  return {
    name,
    unique_id: `${topics.deviceId}_${key}`,
    // The bare value on its own retained topic: no template, nothing to fall back on.
    state_topic: topics.value(key),
    availability_topic: topics.status,
    payload_available: "online",
    payload_not_available: "offline",
    device,
  };
}

/**
 * The configs of the quantities (from `options.from` on), made one at a time as they are taken:
 * a whole announcement at once (dozens of configs of half a kilobyte) is the dongle's largest
 * peak of memory, on top of what waits in the socket.
 */
export function discoveryMessages(qs: readonly Quantity[], topics: Topics, meter: MeterInfo, options: DiscoveryOptions): IterableIterator<DiscoveryMessage> {
  // What the announcement says is fixed now; only the JSON is made later.
  return sensorConfigs(qs.slice(options.from ?? 0), topics, installation(qs), meterDevice(topics, meter), options.expireAfterS);
}

function* sensorConfigs(qs: readonly Quantity[], topics: Topics, home: Installation, meterDev: Record<string, unknown>, expireAfterS: number): IterableIterator<DiscoveryMessage> {
  for (const q of qs) {
    const p = presentation(q, home);
    const kind = matchKey(q.key, SUB_METER_KEY)?.[1];
    const config = common(topics, q.key, p.name, kind ? subDevice(topics, q, kind) : meterDev);
    if (p.unit) config.unit_of_measurement = p.unit;
    if (p.deviceClass) config.device_class = p.deviceClass;
    if (p.stateClass) config.state_class = p.stateClass;
    if (p.precision !== undefined) config.suggested_display_precision = p.precision;
    if (p.options) config.options = p.options;
    if (!p.enabled) config.enabled_by_default = false;
    // Registers keep their last value; live measurements expire rather than freeze.
    if (p.stateClass === "measurement" && expireAfterS > 0) config.expire_after = expireAfterS;
    yield { topic: topics.discovery("sensor", q.key), payload: JSON.stringify(config) };
  }
}

/** The diagnostics' configs, made one at a time as they are taken (see `discoveryMessages`). */
export function diagnosticMessages(entities: readonly DiagEntity[], topics: Topics, reader: DeviceInfo): IterableIterator<DiscoveryMessage> {
  return diagnosticConfigs(entities, topics, readerDevice(topics, reader));
}

function* diagnosticConfigs(entities: readonly DiagEntity[], topics: Topics, device: Record<string, unknown>): IterableIterator<DiscoveryMessage> {
  for (const e of entities) {
    const config = common(topics, e.key, e.name, device);
    config.entity_category = "diagnostic";
    if (e.unit) config.unit_of_measurement = e.unit;
    if (e.deviceClass) config.device_class = e.deviceClass;
    if (e.stateClass) config.state_class = e.stateClass;
    if (!e.enabled) config.enabled_by_default = false;
    yield { topic: topics.discovery(e.component, e.key), payload: JSON.stringify(config) };
  }
}
