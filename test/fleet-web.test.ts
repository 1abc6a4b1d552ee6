// The page of `metertap run --config`: one index of every meter with its latest reading (HTML and
// `/api/meters`), each meter's own page, live values and HomeWizard API under `/meters/<name>/`,
// a meter that could not start listed with its reason, and each meter's Home Assistant device
// linking to its own page.
import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Mosquitto, subscriber, until } from "./mqtt/mosquitto.js";
import { readCase } from "./helpers/corpus.js";
import { concatBytes } from "../modules/util/bytes.js";
import { QueuedSource } from "../hosts/node/byte-queue.js";
import { startFleet } from "../hosts/node/fleet.js";
import type { MeterSpec } from "../hosts/node/meters.js";
import { readerId } from "../modules/publish/discovery.js";
import { Topics } from "../modules/publish/topics.js";

// The two captures' own lines: ISK 5.0 `1-0:2.7.0(00.498*kW)`, `1-0:1.8.1(003808.351*kWh)` +
// `1-0:1.8.2(002948.827*kWh)`; Fluvius `1-0:1.7.0(00.000*kW)`, `1-0:1.8.1(000000.034*kWh)` + `1-0:1.8.2(000015.758*kWh)`.
const ISK = "dsmr-athombv-dsmr-5.0-isk-1";
const FLUVIUS = "dsmr-ndokter-fluvius-v171";

test("the fleet's page lists every meter with its reading; each meter's page, live values and HomeWizard API under /meters/<name>/", async (t) => {
  const broker = await Mosquitto.start();
  const dir = mkdtempSync(join(tmpdir(), "metertap-fleet-web-"));
  const damaged = join(dir, "damaged.bin");
  writeFileSync(damaged, new Uint8Array(100));
  const spec = (name: string, more: Partial<MeterSpec> = {}): MeterSpec => ({ name, source: { kind: "stdin" }, config: { deviceId: name.replace(" ", "-") }, loop: false, ...more });
  const sources = new Map<string, QueuedSource>();
  const watch = await subscriber(broker.url, ["homeassistant/+/+/+/config"]);
  const fleet = await startFleet({
    meters: [spec("north"), spec("south wing", { config: { deviceId: "south-wing", timeZone: "Europe/Brussels" } }), spec("broken", { flashFile: damaged })],
    mqttUrl: broker.url,
    http: { host: "127.0.0.1", port: 0, explicit: true },
    log: () => {},
    openSource: (s) => (cb) => {
      const q = new QueuedSource(cb);
      sources.set(s.name, q);
      return q;
    },
  });
  t.teardown(async () => {
    await fleet.shutdown();
    await watch.client.endAsync();
    await broker.stop();
  });
  const url = fleet.web!.url;
  // As a meter sends it: the capture, then its line end.
  sources.get("north")!.deliver(concatBytes([readCase(ISK).bytes, new Uint8Array([13, 10])]));
  sources.get("south wing")!.deliver(readCase(FLUVIUS).bytes);
  const get = (path: string) => fetch(new URL(path, url), { redirect: "manual" });

  const { meters } = await (await get("/api/meters")).json() as { meters: any[] };
  t.deepEqual(meters.map((m) => m.name), ["north", "south wing", "broken"]);
  const [north, south, broken] = meters;
  t.like(north, { mqtt: { deviceId: "north" }, link: { frames: 1, ok: 1, refused: 0 } });
  t.like(north.reading, { protocol: "dsmr", time: "2018-11-06T13:04:29Z", power: { import: 0, export: 498 }, energy: { import: 6_757_178, export: 4_162_465 } });
  t.like(south.reading, { power: { import: 0 }, energy: { import: 15_792 } });
  t.regex(broken.error, /^cannot start: /);
  t.false("reading" in broken);

  const index = await (await get("/")).text();
  t.regex(index, /<a href="meters\/north\/">north<\/a><\/td><td>north<\/td><td>0 W<\/td><td>498 W<\/td><td>6757\.178 kWh<\/td><td>4162\.465 kWh<\/td>/);
  t.regex(index, /<a href="meters\/south%20wing\/">south wing<\/a><\/td><td>south-wing<\/td><td>0 W<\/td>.*<td>15\.792 kWh<\/td>/);
  t.regex(index, /<tr><td>broken<\/td><td colspan="7">cannot start: /, "listed with its reason, no link");

  const bare = await get("/meters/south%20wing");
  t.is(bare.status, 301);
  t.is(bare.headers.get("location"), "/meters/south%20wing/");
  const page = await get("/meters/south%20wing/");
  t.is(page.status, 200);
  t.is(page.headers.get("content-encoding"), "gzip");
  t.regex(await page.text(), /<script src="app\.js">/, "the one-meter page (fetch unzips it), its links relative");
  const live = await (await get("/meters/north/live")).json() as any;
  t.like(live, { reading: { meterId: "E0034006810516416" }, mqtt: { deviceId: "north" } });
  const hw = await (await get("/meters/north/api/v1/data")).json() as any;
  t.like(hw, { active_power_w: -498, total_power_import_kwh: 6757.178, total_power_export_kwh: 4162.465 });
  t.is((await get("/meters/broken/live")).status, 404, "no page for a meter that never started");
  t.is((await get("/meters/nobody/")).status, 404);
  t.is((await get("/meters/%E0%A4%A/")).status, 404, "a malformed escape is not found, not an error");

  // Each meter's Home Assistant device links to its own page.
  const configUrl = (id: string): string | undefined => watch.messages.map((m) => JSON.parse(m.payload).device).find((d) => d?.identifiers?.[0] === readerId(new Topics("metertap", id)))?.configuration_url;
  await until(() => configUrl("north") !== undefined, 20_000, "north's discovery");
  t.is(configUrl("north"), `${url}meters/north/`);
});
