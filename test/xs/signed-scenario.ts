// The dongle's signing path on XS (test/signed-xs.test.ts): firmware runs with a Signer port and a
// flash history, is stopped and started again on the same flash and store (a reboot), then its
// signed records are exported over the MQTT `history` command, page by page, and the local page.
import { Firmware } from "../../modules/app/firmware.js";
import type { Signer } from "../../modules/ports/ports.js";
import { SimFlash } from "../sim-flash.js";
import { pushedSource } from "../helpers/pushed-source.js";
import { zone } from "../../modules/history/zones.js";
import { WebApp } from "../../modules/web/app.js";
import { MemoryStore } from "../../modules/security/replay.js";
import { toHex } from "../../modules/util/hex.js";

/**
 * `input`: "<start ms>\v<run 1>\v<run 2>", each run telegrams separated by "\f", `step` s apart.
 * Replies JSON: the lines of each export, how many command replies it took, the flash image (hex).
 */
export function signedScenario(input: string, signer: Signer, step = 30): string {
  const [start, ...runs] = input.split("\v");
  const clock = { ms: Number(start), now: () => clock.ms };
  const flash = new SimFlash({ blocks: 16 });
  // NVS: the record counter survives the reboot with it.
  const nvs = new MemoryStore();
  let fw!: Firmware;
  for (const run of runs) {
    const line = pushedSource();
    fw = new Firmware({ openSource: line.open, clock, flash, store: nvs, signer, log: () => {} }, { deviceId: "xs-dongle", timeZone: "UTC", device: { swVersion: "9.9.9" } });
    fw.start();
    for (const telegram of run.split("\f")) {
      const bytes = new Uint8Array(telegram.length);
      for (let k = 0; k < telegram.length; k++) bytes[k] = telegram.charCodeAt(k);
      line.push(bytes);
      fw.endOfInput();
      fw.tick(clock.ms);
      clock.ms += step * 1000;
    }
    fw.stop();
  }
  const mqtt: string[] = [];
  let replies = 0;
  for (let after = 0, more = true; more; replies++) {
    const reply = fw.commands.handle("history", JSON.stringify({ signed: true, after })) as { result: { truncated: boolean; records: string[] } };
    mqtt.push(...reply.result.records);
    more = reply.result.truncated;
    after = Number(JSON.parse(mqtt[mqtt.length - 1].slice(5, mqtt[mqtt.length - 1].lastIndexOf("|"))).PG.slice(1));
  }
  const app = new WebApp({
    firmware: fw, clock, zone: zone("UTC"),
    identity: { serial: "0123456789ab", firmwareVersion: "9.9.9" },
    asset: () => undefined,
    settings: new MemoryStore(),
    random: () => 0.5,
  });
  const res = app.handle({ method: "GET", path: "/history/signed.txt", query: {}, headers: {}, body: "" });
  let page = "";
  for (const piece of res.body as Iterable<string>) page += piece;
  return JSON.stringify({ mqtt, replies, page, contentType: res.headers["content-type"], image: toHex(flash.bytes) });
}
