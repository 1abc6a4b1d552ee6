// Home Assistant MQTT discovery: one retained config per quantity the meter actually sends.
// Sub-meters (gas, water, heat) get their own HA device, linked to the meter via `via_device`.
import type { Quantity } from "./quantities.js";
import type { Topics } from "./topics.js";

export interface DeviceInfo {
  name: string;
  model?: string;
  manufacturer?: string;
  swVersion?: string;
}

export interface DiscoveryOptions {
  /** Seconds after which HA shows a measurement as unavailable when no state arrives (0: never). */
  expireAfterS: number;
}

export interface DiscoveryMessage {
  topic: string;
  payload: string;
}

function subMeterOf(key: string): string | undefined {
  const m = /^(gas|water|heat|cold)_\d+$/.exec(key);
  return m ? m[1] : undefined;
}

export function discoveryMessages(qs: readonly Quantity[], topics: Topics, device: DeviceInfo, options: DiscoveryOptions): DiscoveryMessage[] {
  const node = topics.deviceId;
  const meterDevice: Record<string, unknown> = { identifiers: [node], name: device.name };
  if (device.model) meterDevice.model = device.model;
  if (device.manufacturer) meterDevice.manufacturer = device.manufacturer;
  if (device.swVersion) meterDevice.sw_version = device.swVersion;
  const out: DiscoveryMessage[] = [];
  for (const q of qs) {
    const uniqueId = `${node}_${q.key}`;
    const sub = subMeterOf(q.key);
    const config: Record<string, unknown> = {
      name: q.name,
      unique_id: uniqueId,
      state_topic: topics.state,
      // A held-back value is absent from the state JSON: keep the entity's current state then.
      value_template: `{{ value_json.${q.key} if value_json.${q.key} is defined else this.state }}`,
      availability_topic: topics.status,
      payload_available: "online",
      payload_not_available: "offline",
      device: sub
        ? { identifiers: [`${node}_${q.key}`], name: `${device.name} ${q.name}`, via_device: node }
        : meterDevice,
    };
    if (q.unit) config.unit_of_measurement = q.unit;
    if (q.deviceClass) config.device_class = q.deviceClass;
    if (q.stateClass) config.state_class = q.stateClass;
    // Registers keep their last value; live measurements expire rather than freeze.
    if (q.stateClass === "measurement" && options.expireAfterS > 0) config.expire_after = options.expireAfterS;
    out.push({ topic: topics.discovery("sensor", q.key), payload: JSON.stringify(config) });
  }
  return out;
}
