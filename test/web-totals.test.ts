// Period totals and cost reach MQTT and Home Assistant: one retained value topic and one
// discovery config per total (energy kWh, gas m³, cost as a `monetary` sensor in the user's
// currency), the same figures the page's /totals shows.
import test from "ava";
import { Firmware } from "../modules/app/firmware.js";
import type { Publisher, PublishOptions } from "../modules/ports/ports.js";
import { SimFlash } from "./sim-flash.js";
import { pushedSource } from "./helpers/pushed-source.js";
import { zone } from "../modules/history/zones.js";
import { WebApp } from "../modules/web/app.js";
import { historySums, periodTotals } from "../modules/web/totals.js";
import { registersOf } from "../modules/history/recorder.js";
import { MemoryStore } from "../modules/security/replay.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";

class Recorder implements Publisher {
  connected = false;
  readonly messages = new Map<string, string>();
  onConnect?: () => void;
  connect(): void {
    this.connected = true;
    this.onConnect?.();
  }
  publish(topic: string, payload: string, _o?: PublishOptions, done?: (ok: boolean) => void): boolean {
    this.messages.set(topic, payload);
    done?.(true);
    return true;
  }
  subscribe(): void {}
}

test("totals and cost are published as values with Home Assistant energy, gas and monetary sensors", (t) => {
  const clock = { ms: Date.UTC(2026, 2, 28, 10), now: () => clock.ms };
  const pub = new Recorder();
  const line = pushedSource();
  const fw = new Firmware({
    openSource: line.open,
    clock, flash: new SimFlash({ blocks: 16 }), publisher: pub, log: () => {},
  }, { deviceId: "tot", timeZone: "Europe/Amsterdam" });
  const settings = new MemoryStore();
  for (const [k, v] of [["rate_t1", "0.30"], ["rate_t2", "0.25"], ["rate_exp", "0.10"], ["rate_gas", "1.50"], ["currency", "EUR"]]) settings.write(k, v);
  const app = new WebApp({ firmware: fw, clock, zone: zone("Europe/Amsterdam"), identity: { serial: "0123456789ab", firmwareVersion: "t" }, asset: () => undefined, settings, random: () => 0.5 });
  fw.start();
  const g = new Dsmr5Generator({ startMs: clock.ms, intervalS: 10 });
  // The last telegram opens a new minute (10:33:00), so the published totals are computed from it.
  for (let i = 0; i < 199; i++) {
    line.push(g.next().bytes);
    fw.endOfInput();
    fw.tick(clock.ms);
    clock.ms += 10_000;
  }
  const totals = app.totals();
  const today = totals.periods.find((p) => p.name === "today")!;
  t.true(today.export! > 0);
  const value = (key: string) => pub.messages.get(`metertap/tot/value/${key}`);
  t.is(value("export_today"), String(today.export));
  t.is(value("gas_today"), String(today.gas));
  t.is(value("cost_today"), String(today.cost));
  t.is(value("import_yesterday"), undefined, "no records yesterday: no entity");
  const config = (key: string) => JSON.parse(pub.messages.get(`homeassistant/sensor/tot/${key}/config`) ?? "null");
  t.like(config("cost_today"), { device_class: "monetary", unit_of_measurement: "EUR", state_class: "total" });
  t.like(config("export_month"), { device_class: "energy", unit_of_measurement: "kWh", state_class: "total_increasing" });
  t.like(config("gas_today"), { device_class: "gas", unit_of_measurement: "m³" });
  const state = JSON.parse(pub.messages.get("metertap/tot/state")!);
  t.is(state.cost_month, totals.periods.find((p) => p.name === "month")!.cost);
});

test("totals read the history again only when a record was committed or the day turned, and equal a fresh reading", (t) => {
  const clock = { ms: Date.UTC(2026, 2, 28, 21, 40), now: () => clock.ms };
  const line = pushedSource();
  const fw = new Firmware({ openSource: line.open, clock, flash: new SimFlash({ blocks: 16 }), log: () => {} }, { deviceId: "tot", timeZone: "Europe/Amsterdam" });
  const z = zone("Europe/Amsterdam");
  const app = new WebApp({ firmware: fw, clock, zone: z, identity: { serial: "0123456789ab", firmwareVersion: "t" }, asset: () => undefined, random: () => 0.5 });
  fw.start();
  const h = fw.history!.store;
  // Reads of the history by the page and the published totals (quarter-hours and days: two a read).
  let reads = 0;
  const query = h.query.bind(h);
  h.query = (...args) => (reads++, query(...args));
  const fresh = () => {
    const counted = reads;
    const periods = periodTotals(historySums(h, z, clock.ms), z, registersOf(app.latestReading!), null);
    reads = counted;
    return periods;
  };
  const g = new Dsmr5Generator({ startMs: clock.ms, intervalS: 10 });
  const days = new Set<number>();
  let committedReads = 0;
  // 22:40 to 00:20 local time (UTC+1): quarter-hours close, and the day turns.
  for (let i = 0; i < 600; i++) {
    const records = h.stats.records;
    const day = app.totals().periods[0].from;
    const before = reads;
    line.push(g.next().bytes);
    fw.endOfInput();
    fw.tick(clock.ms);
    const totals = app.totals();
    days.add(totals.periods[0].from);
    if (reads > before) {
      if (h.stats.records === records && totals.periods[0].from === day) t.fail(`telegram ${i}: read again, nothing committed, the same day`);
      committedReads++;
    }
    t.deepEqual(totals.periods, fresh(), `telegram ${i}`);
    clock.ms += 10_000;
  }
  t.is(days.size, 2, "the day turned");
  // A quarter-hour closes every 90 telegrams (and the day's record once): a read each, not one a minute.
  t.true(committedReads >= 6 && committedReads <= 12, `${committedReads} reads of the history in 600 telegrams`);
});
