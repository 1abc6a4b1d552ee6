// athombv/node-dsmr-parser's interpreted output (`electricity`, `mBus`, `metadata`) against our
// Reading: which OBIS code means what, not only the raw values. A field is counted only when the
// source asserts it and we compared it; the divergences we keep on purpose are listed, not counted.
import type { DecodeResult, ObisMap, Reading } from "../../modules/reading/model.js";
import { normalise } from "../../modules/reading/normalise.js";
import { isEuSummerTime } from "../../modules/util/time.js";
import type { Comparison } from "./dsmr-expected.js";

type Text = (v: ObisMap[string]["value"] | undefined) => string | null;

function close(a: number | null | undefined, b: number): boolean {
  return typeof a === "number" && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
}

/** athombv prints the meter's local clock with a `Z`; ours is the UTC instant. */
function sameLocal(ours: string | null | undefined, theirs: string, dsmr: boolean): boolean {
  if (!ours) return false;
  const utc = Date.parse(ours);
  if (!dsmr) return utc === Date.parse(theirs);
  return utc + (isEuSummerTime(utc) ? 120 : 60) * 60000 === Date.parse(theirs);
}

export function compareInterpreted(r: DecodeResult, so: any, text: Text): Comparison & { divergences: string[] } {
  const out = { compared: 0, mismatches: [] as string[], divergences: [] as string[] };
  const dsmr = r.protocol === "dsmr";
  const reading: Reading = r.reading ?? normalise(r.values, dsmr ? "dsmr" : "dlms", r.meterId, r.time);
  const check = (what: string, ok: boolean, ours: unknown) => {
    out.compared++;
    if (!ok) out.mismatches.push(`${what}: ours ${JSON.stringify(ours)}`);
  };
  const e = so.electricity ?? {};
  for (const [n, t] of Object.entries<any>(e.tariffs ?? {})) {
    if (t.received !== undefined) check(`tariff ${n} received ${t.received}`, close(reading.energy.importTariffs?.[+n - 1], t.received), reading.energy.importTariffs);
    if (t.returned !== undefined) check(`tariff ${n} returned ${t.returned}`, close(reading.energy.exportTariffs?.[+n - 1], t.returned), reading.energy.exportTariffs);
  }
  if (e.total?.received !== undefined) check(`total received ${e.total.received}`, close(reading.energy.import, e.total.received), reading.energy.import);
  if (e.total?.returned !== undefined) check(`total returned ${e.total.returned}`, close(reading.energy.export, e.total.returned), reading.energy.export);
  if (e.currentTariff !== undefined) check(`tariff ${e.currentTariff}`, reading.tariff === e.currentTariff, reading.tariff);
  if (e.powerReceivedTotal !== undefined) check(`power received ${e.powerReceivedTotal}`, close(reading.power.import, e.powerReceivedTotal), reading.power.import);
  if (e.powerReturnedTotal !== undefined) check(`power returned ${e.powerReturnedTotal}`, close(reading.power.export, e.powerReturnedTotal), reading.power.export);
  const phased: [string, any, Record<string, number | undefined> | undefined][] = [
    ["voltage", e.voltage, reading.voltage as Record<string, number | undefined>],
    ["current", e.current, reading.current as Record<string, number | undefined>],
    ["power received", e.powerReceived, reading.power.importPhases as Record<string, number | undefined> | undefined],
    ["power returned", e.powerReturned, reading.power.exportPhases as Record<string, number | undefined> | undefined],
  ];
  for (const [name, theirs, ours] of phased) {
    for (const [ph, v] of Object.entries<number>(theirs ?? {})) check(`${name} ${ph} ${v}`, close(ours?.[ph], v), ours?.[ph]);
  }

  const m = so.metadata ?? {};
  if (m.timestamp && dsmr && r.values["0-0:1.0.0"]?.value === null) {
    // An impossible date (month 00 or 34): null here; athombv's Date rolls it over. (A DLMS clock
    // that athombv prints as its 12 bytes is compared with the values, not here.)
    out.divergences.push(`timestamp ${m.timestamp}: invalid in the telegram`);
  } else if (m.timestamp && !/^[0-9a-f]{24}$/.test(m.timestamp)) check(`timestamp ${m.timestamp}`, sameLocal(reading.time, m.timestamp, dsmr), reading.time);
  if (m.equipmentId !== undefined) check(`equipment id ${m.equipmentId}`, r.meterId === (text(m.equipmentId) ?? null), r.meterId);
  if (m.serialNumber !== undefined) {
    const ours = text(r.values["0-0:96.1.2"]?.value) ?? "";
    check(`serial number ${m.serialNumber}`, ours === m.serialNumber, ours);
  }
  if (m.textMessage !== undefined) {
    // athombv keeps the hex text; we decode it and keep the hex in `raw`.
    const entry = r.values["0-0:96.13.0"];
    const ours = entry?.value ?? null;
    check(`text message "${m.textMessage}"`, m.textMessage === "" ? ours === null : ours === m.textMessage || entry?.raw === m.textMessage, ours);
  }
  if (m.dsmrVersion !== undefined) {
    const v = Number(r.values["1-3:0.2.8"]?.value ?? r.values["0-0:96.1.4"]?.value);
    check(`DSMR version ${m.dsmrVersion}`, v / 10 === m.dsmrVersion, v);
  }
  const counts: [string, number | undefined][] = [
    ["0-0:96.7.21", m.events?.powerFailures], ["0-0:96.7.9", m.events?.longPowerFailures],
    ["1-0:32.32.0", m.events?.voltageSags?.l1], ["1-0:52.32.0", m.events?.voltageSags?.l2], ["1-0:72.32.0", m.events?.voltageSags?.l3],
    ["1-0:32.36.0", m.events?.voltageSwells?.l1], ["1-0:52.36.0", m.events?.voltageSwells?.l2], ["1-0:72.36.0", m.events?.voltageSwells?.l3],
  ];
  for (const [key, v] of counts) if (v !== undefined) check(`${key} ${v}`, r.values[key]?.value === v, r.values[key]?.value);

  for (const [ch, dev] of Object.entries<any>(so.mBus ?? {})) {
    if (ch === "0") {
      // athombv files the meter's own 0-0:96.1.0 under channel 0.
      check(`channel 0 id ${dev.equipmentId}`, r.meterId === dev.equipmentId, r.meterId);
      continue;
    }
    const sub = reading.subMeters.find((s) => s.channel === +ch);
    if (!sub) {
      // An empty channel (no id, no reading) is no sub-meter here; athombv lists it.
      if (!dev.equipmentId && dev.value === undefined) out.divergences.push(`channel ${ch}: empty, no sub-meter`);
      else check(`channel ${ch}`, false, undefined);
      continue;
    }
    if (dev.deviceType !== undefined) check(`channel ${ch} type ${dev.deviceType}`, sub.deviceType === dev.deviceType, sub.deviceType);
    if (dev.equipmentId !== undefined) check(`channel ${ch} id ${dev.equipmentId}`, sub.id === (text(dev.equipmentId) ?? null), sub.id);
    if (dev.timestamp !== undefined) check(`channel ${ch} time ${dev.timestamp}`, sameLocal(sub.time, dev.timestamp, dsmr), sub.time);
    if (dev.value !== undefined) check(`channel ${ch} value ${dev.value}`, close(sub.value, dev.value), sub.value);
    if (dev.unit !== undefined) check(`channel ${ch} unit ${dev.unit}`, sub.unit === dev.unit, sub.unit);
  }
  return out;
}
