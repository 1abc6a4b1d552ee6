// The local page's routes are core code: under the real XS engine they give byte for byte the
// responses they give on Node (HomeWizard API, live values, history downloads, totals, assets).
import test from "ava";
import { startXs } from "./helpers/xs.js";
import { webScenario } from "./xs/web-scenario.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";

test("XS answers every route as Node does after 35 minutes of telegrams", async (t) => {
  const g = new Dsmr5Generator({ startMs: Date.UTC(2026, 2, 28, 10), intervalS: 10 });
  const telegrams: string[] = [];
  for (let i = 0; i < 210; i++) telegrams.push(String.fromCharCode(...g.next().bytes));
  const input = telegrams.join("\f");
  const node = webScenario(input);
  const worker = await startXs("test/xs/web.entry.ts");
  try {
    const xs = await worker.command(input);
    t.is(xs.reply, node);
  } finally {
    await worker.close();
  }
  const at = (prefix: string) => ("\n" + node).split("\nGET ").find((s) => s.startsWith(prefix))!;
  t.regex(at("/api? -> 200"), /"product_type":"HWE-P1","product_name":"P1 meter","serial":"0123456789ab","firmware_version":"test","api_version":"v1"/);
  const data = JSON.parse(at("/api/v1/data?").split("\n")[1]);
  t.is(data.total_power_import_kwh, Math.round((g.registers.importT1 + g.registers.importT2)) / 1000);
  t.is(data.smr_version, 50);
  t.regex(at("/api/v1/telegram?"), /^\/api\/v1\/telegram\? -> 200 [^\n]*text\/plain[^\n]*\n\/ISK5/);
  // One closed quarter-hour from 10:15, and the CSV has a header and one line per quarter-hour (10:00..10:30).
  t.is(JSON.parse(at("/history/quarter-hour.json?").split("\n").slice(1).join("\n")).length, 1);
  const csv = at("/history/quarter-hour.csv?").split("\n");
  t.regex(csv[0], /content-disposition: attachment; filename="metertap-quarter-hour.csv"/);
  t.is(csv[1], "stream,start,end,flags,delta.+A,delta.-A,delta.+A.T1,delta.+A.T2,delta.-A.T1,delta.-A.T2,delta.G,registers.+A,registers.-A,registers.+A.T1,registers.+A.T2,registers.-A.T1,registers.-A.T2,registers.G");
  t.is(csv.filter((l) => l.startsWith("quarter-hour,")).length, 2);
  t.regex(at("/history/hourly.json?"), /^[^\n]* -> 404/);
  t.regex(at("/nope?"), /-> 404/);
  t.regex(at("/app.js?"), /content-encoding: gzip[^\n]*\nbytes 1f8b0102$/);
  const totals = JSON.parse(at("/totals?").split("\n")[1]);
  t.is(totals.currency, "EUR");
  t.deepEqual(totals.periods.map((p: { name: string }) => p.name), ["today", "yesterday", "week", "month", "year"]);
  // Two telegrams reached the open stream, each a full live message.
  const events = node.slice(node.indexOf("events -> ")).split("data: ").slice(1).map((e) => JSON.parse(e));
  t.is(events.length, 3);
  t.is(events[2].reading.time, "2026-03-28T10:34:50Z");
});
