// The firmware pipeline (decoder, history, guard, discovery, outbox, commands) under real XS
// publishes exactly what it publishes under Node.
import test from "ava";
import { startXs } from "./helpers/xs.js";
import { publishScenario } from "./xs/publish-scenario.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";

test("XS publishes the same messages as Node for 35 minutes of telegrams", async (t) => {
  const g = new Dsmr5Generator({ startMs: Date.UTC(2026, 2, 28, 10), intervalS: 10 });
  const telegrams: string[] = [];
  for (let i = 0; i < 210; i++) telegrams.push(String.fromCharCode(...g.next().bytes));
  const input = telegrams.join("\f");
  const node = publishScenario(input);
  const worker = await startXs("test/xs/publish.entry.ts");
  try {
    const xs = await worker.command(input);
    t.is(xs.reply, node);
  } finally {
    await worker.close();
  }
  const lines = node.split("\n");
  t.is(lines.filter((l) => l.startsWith("metertap/xs/state ")).length, 210);
  t.true(lines.some((l) => l.startsWith("metertap/xs/profile/quarter-hour ") && l.includes('"start":"2026-03-28T10:15:00Z"')));
  t.true(lines.some((l) => l.startsWith("homeassistant/sensor/xs/energy_import/config [retain] ")));
  t.true(lines.some((l) => l.startsWith("metertap/xs/response ") && l.includes('"cmd":"history","ok":true')));
  t.true(lines.some((l) => l.startsWith("metertap/xs/response ") && l.includes("unknown command 'nope'")));
  t.is(lines.at(-1), "metertap/xs/status [retain] offline");
});
