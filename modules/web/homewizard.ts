// HomeWizard P1 meter local API v1 (`/api`, `/api/v1/data`): the field names and units of
// HomeWizard's documentation, so Home Assistant's HomeWizard integration, apps and scripts read
// metertap as they read an HWE-P1. Fields the meter did not send are left out, never zero.
import type { ObisMap, PhaseValues, Reading, SubMeter } from "../reading/model.js";
import { offsetMinutes, type Zone } from "../history/zones.js";
import { toHex } from "../util/hex.js";

export interface Identity {
  /** 12 hex digits (the MAC on a HomeWizard meter). */
  serial: string;
  firmwareVersion: string;
}

export function basicInfo(id: Identity): Record<string, string> {
  return { product_type: "HWE-P1", product_name: "P1 meter", serial: id.serial, firmware_version: id.firmwareVersion, api_version: "v1" };
}

const PHASES = ["l1", "l2", "l3"] as const;

// HomeWizard's names for the M-Bus device types metertap reads.
const EXTERNAL_TYPE: Record<string, string> = { gas: "gas_meter", water: "water_meter", heat: "heat_meter", cold: "inlet_heat_meter" };

type Data = Record<string, unknown>;

function put(out: Data, key: string, v: number | undefined | null, scale = 1, digits = 3): void {
  if (typeof v !== "number" || !isFinite(v)) return;
  const f = Math.pow(10, digits);
  out[key] = Math.round((v / scale) * f) / f;
}

function count(out: Data, key: string, values: ObisMap, obis: string): void {
  const v = values[obis]?.value;
  if (typeof v === "number" && isFinite(v)) out[key] = v;
}

/** Import minus export (HomeWizard's sign: negative while exporting); absent when neither was sent. */
function net(imp: number | undefined, exp: number | undefined): number | undefined {
  if (imp === undefined && exp === undefined) return undefined;
  return (imp ?? 0) - (exp ?? 0);
}

/** An ISO UTC instant as HomeWizard's YYMMDDhhmmss number in the meter's local time. */
export function hwTimestamp(iso: string | null | undefined, z: Zone): number | undefined {
  const ms = iso ? Date.parse(iso) : NaN;
  if (!isFinite(ms)) return undefined;
  const d = new Date(ms + offsetMinutes(z, ms) * 60_000);
  const two = (n: number) => (n < 10 ? "0" : "") + n;
  return Number(two(d.getUTCFullYear() % 100) + two(d.getUTCMonth() + 1) + two(d.getUTCDate()) + two(d.getUTCHours()) + two(d.getUTCMinutes()) + two(d.getUTCSeconds()));
}

/** HomeWizard sends identifiers as the hex of their ASCII text, as DSMR carries them. */
function hexId(id: string | null): string | undefined {
  if (!id) return undefined;
  const bytes = new Uint8Array(id.length);
  for (let i = 0; i < id.length; i++) bytes[i] = id.charCodeAt(i) & 0xff;
  return toHex(bytes);
}

function external(m: SubMeter, z: Zone): Data | undefined {
  const type = EXTERNAL_TYPE[m.type];
  if (!type || m.value === null) return undefined;
  const out: Data = {};
  const id = hexId(m.id);
  if (id) out.unique_id = id;
  out.type = type;
  const ts = hwTimestamp(m.time, z);
  if (ts !== undefined) out.timestamp = ts;
  out.value = m.value;
  if (m.unit) out.unit = m.unit;
  return out;
}

export interface DataContext {
  zone: Zone;
  /** The DSMR header line's identification ("ISK5\2M550T-1012"), when the meter sent one. */
  meterModel?: string;
  wifiSsid?: string;
  wifiStrength?: number;
}

/** The `/api/v1/data` object of a reading. */
export function hwData(r: Reading, c: DataContext): Data {
  const out: Data = {};
  const v = r.values;
  const smr = v["1-3:0.2.8"]?.value ?? v["0-0:96.1.4"]?.value;
  if (typeof smr === "string" && /^\d+$/.test(smr)) out.smr_version = Number(smr.length > 2 ? smr.slice(0, 2) : smr);
  if (c.meterModel) out.meter_model = c.meterModel;
  const id = hexId(r.meterId);
  if (id) out.unique_id = id;
  if (c.wifiSsid !== undefined) out.wifi_ssid = c.wifiSsid;
  if (c.wifiStrength !== undefined) out.wifi_strength = c.wifiStrength;
  if (r.tariff !== null) out.active_tariff = r.tariff;
  const e = r.energy;
  put(out, "total_power_import_kwh", e.import, 1000);
  e.importTariffs?.slice(0, 4).forEach((t, i) => put(out, `total_power_import_t${i + 1}_kwh`, t, 1000));
  put(out, "total_power_export_kwh", e.export, 1000);
  e.exportTariffs?.slice(0, 4).forEach((t, i) => put(out, `total_power_export_t${i + 1}_kwh`, t, 1000));
  const p = r.power;
  put(out, "active_power_w", net(p.import, p.export));
  for (const ph of PHASES) put(out, `active_power_${ph}_w`, net(p.importPhases?.[ph], p.exportPhases?.[ph]));
  phaseValues(out, "active_voltage", "v", r.voltage);
  phaseValues(out, "active_current", "a", r.current);
  const freq = v["1-0:14.7.0"]?.value;
  if (typeof freq === "number") put(out, "active_frequency_hz", freq);
  PHASES.forEach((ph, i) => count(out, `voltage_sag_${ph}_count`, v, `1-0:${32 + 20 * i}.32.0`));
  PHASES.forEach((ph, i) => count(out, `voltage_swell_${ph}_count`, v, `1-0:${32 + 20 * i}.36.0`));
  count(out, "any_power_fail_count", v, "0-0:96.7.21");
  count(out, "long_power_fail_count", v, "0-0:96.7.9");
  if (r.demand) {
    put(out, "active_power_average_w", r.demand.average);
    // HomeWizard's spelling.
    put(out, "montly_power_peak_w", r.demand.monthPeak);
    const ts = hwTimestamp(r.demand.monthPeakTime, c.zone);
    if (r.demand.monthPeak !== undefined && ts !== undefined) out.montly_power_peak_timestamp = ts;
  }
  const gas = r.subMeters.find((m) => m.type === "gas" && m.value !== null);
  if (gas) {
    out.total_gas_m3 = gas.value;
    const ts = hwTimestamp(gas.time, c.zone);
    if (ts !== undefined) out.gas_timestamp = ts;
    const gid = hexId(gas.id);
    if (gid) out.gas_unique_id = gid;
  }
  const ext = r.subMeters.map((m) => external(m, c.zone)).filter((x): x is Data => x !== undefined);
  if (ext.length) out.external = ext;
  return out;
}

function phaseValues(out: Data, prefix: string, unit: string, p: PhaseValues): void {
  for (const ph of PHASES) put(out, `${prefix}_${ph}_${unit}`, p[ph]);
}
