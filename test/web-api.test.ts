// The HomeWizard-compatible API of `metertap run` on real captures, read by an independent client
// (@zandor300/homewizard-energy-api): every field is one HomeWizard documents for the HWE-P1, of
// the documented type, with the meter's values; fields the meter did not send are absent.
import test from "ava";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { P1MeterApi } from "@zandor300/homewizard-energy-api";
import { join } from "node:path";
import { corpusDir } from "./helpers/corpus.js";
import { runWithPage } from "./helpers/run-web.js";

/** Field → type, from the client's transcription of HomeWizard's documentation (BaseDataResponse). */
function documentedTypes(): Map<string, string> {
  const file = createRequire(import.meta.url).resolve("@zandor300/homewizard-energy-api/dist/types.d.ts");
  const src = readFileSync(file, "utf8");
  const body = src.slice(src.indexOf("export interface BaseDataResponse"), src.indexOf("export type EnergySocketDataResponse"));
  const types = new Map<string, string>();
  for (const m of body.matchAll(/^\s+(\w+)\?: ([\w[\]]+);/gm)) types.set(m[1], m[2]);
  // Not for the HWE-P1 (P1MeterDataResponse omits them).
  for (const k of ["active_liter_lpm", "total_liter_m3", "total_liter_offset_m3", "active_voltage_v", "active_current_a"]) types.delete(k);
  return types;
}

function checkTypes(t: import("ava").ExecutionContext, data: Record<string, unknown>): void {
  const types = documentedTypes();
  t.true(types.size > 40, "the documentation was read");
  for (const [k, v] of Object.entries(data)) {
    const type = types.get(k);
    t.truthy(type, `${k} is a documented HWE-P1 field`);
    if (type === "ExternalData[]") {
      t.true(Array.isArray(v), k);
      for (const e of v as Record<string, unknown>[]) {
        t.deepEqual(Object.keys(e).filter((x) => !["unique_id", "type", "timestamp", "value", "unit"].includes(x)), [], "external keys");
        t.is(typeof e.type, "string");
        t.is(typeof e.value, "number");
        if ("unique_id" in e) t.is(typeof e.unique_id, "string");
        if ("timestamp" in e) t.true(Number.isInteger(e.timestamp));
        if ("unit" in e) t.is(typeof e.unit, "string");
      }
    } else t.is(typeof v, type as "string" | "number", k);
  }
}

test("Belgian Fluvius capture: per-tariff totals, peak demand, gas and water as external devices", async (t) => {
  const mt = await runWithPage(["--source", `file:${join(corpusDir, "dsmr-ndokter-fluvius-v171.txt")},speed=4000`, "--loop", "--tz", "Europe/Brussels"]);
  try {
    const api = new P1MeterApi(mt.url.replace(/\/$/, ""));
    let data = await api.getData().catch(() => undefined);
    for (let i = 0; !data && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      data = await api.getData().catch(() => undefined);
    }
    const info = await api.getBasicInformation();
    t.like(info, { product_type: "HWE-P1", api_version: "v1", firmware_version: "0.1.0" });
    t.regex(info.serial, /^[0-9a-f]{12}$/);
    checkTypes(t, data as Record<string, unknown>);
    t.deepEqual(data, {
      smr_version: 50,
      meter_model: "FLU5\\253769484_A",
      unique_id: "3153414733313031303231363035",
      active_tariff: 1,
      total_power_import_kwh: 15.792,
      total_power_import_t1_kwh: 0.034,
      total_power_import_t2_kwh: 15.758,
      total_power_export_kwh: 0.011,
      total_power_export_t1_kwh: 0,
      total_power_export_t2_kwh: 0.011,
      active_power_w: 0,
      active_power_l1_w: 0,
      active_power_l2_w: 0,
      active_power_l3_w: 0,
      active_voltage_l1_v: 234.7,
      active_voltage_l2_v: 234.7,
      active_voltage_l3_v: 234.7,
      active_current_l1_a: 0,
      active_current_l2_a: 0,
      active_current_l3_a: 0,
      active_power_average_w: 2351,
      montly_power_peak_w: 2589,
      montly_power_peak_timestamp: 200509134558,
      total_gas_m3: 112.384,
      gas_timestamp: 200512134558,
      gas_unique_id: "37464c4f32313139303333373333",
      external: [
        { unique_id: "37464c4f32313139303333373333", type: "gas_meter", timestamp: 200512134558, value: 112.384, unit: "m3" },
        { unique_id: "3853414731323334353637383930", type: "water_meter", timestamp: 200512134558, value: 872.234, unit: "m3" },
      ],
    });
    const telegram = await api.getTelegram();
    t.is(telegram, readFileSync(join(corpusDir, "dsmr-ndokter-fluvius-v171.txt"), "latin1").replace(/^[\s\S]*?(?=\/FLU5)/, "").slice(0, telegram.length));
    t.true(telegram.startsWith("/FLU5\\253769484_A\r\n") && /!3AD7\s*$/.test(telegram));
  } finally {
    await mt.stop();
  }
});

test("an SML meter: only what it sends; no tariffs, phases, gas or counters appear as zero", async (t) => {
  const mt = await runWithPage(["--source", `file:${join(corpusDir, "sml-libsmltesting-emh-ehz361l5r.bin")},speed=2000`, "--loop"]);
  try {
    const api = new P1MeterApi(mt.url.replace(/\/$/, ""));
    let data = await api.getData().catch(() => undefined);
    for (let i = 0; !data && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      data = await api.getData().catch(() => undefined);
    }
    checkTypes(t, data as Record<string, unknown>);
    t.deepEqual(data, { unique_id: "31303031313835", total_power_export_kwh: 110340.315, total_power_export_t1_kwh: 110340.315});
  } finally {
    await mt.stop();
  }
});
