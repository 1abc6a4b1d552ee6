// XS worker: the whole firmware as the dongle runs it (decoder, history on flash, MQTT publishing
// with discovery and per-value topics, the page's totals), one telegram a command, so the bench
// meters each stage's share of a telegram. The first command names the stages to run:
// "decode", "firmware" (no page) or "page" (firmware and the page's totals, as on the dongle).
import { Firmware } from "../../modules/app/firmware.js";
import { Decoder } from "../../modules/decode/decoder.js";
import { WebApp } from "../../modules/web/app.js";
import { zone } from "../../modules/history/zones.js";
import { MemoryStore } from "../../modules/security/replay.js";
import type { Publisher } from "../../modules/ports/ports.js";
import { SimFlash } from "../sim-flash.js";
import { pushedSource } from "../helpers/pushed-source.js";
import { serveBytes } from "./serve.js";
import { latin1 } from "../../modules/util/hex.js";

let run: ((bytes: Uint8Array, timeMs: number) => number) | undefined;

function setUp(mode: string): (bytes: Uint8Array, timeMs: number) => number {
  if (mode === "decode") {
    let ok = 0;
    const decoder = new Decoder({}, (r) => (ok += r.ok ? 1 : 0));
    return (bytes) => {
      decoder.push(bytes);
      return ok;
    };
  }
  let published = 0;
  const publisher: Publisher = {
    connected: true,
    publish(_topic, _payload, _options, done) {
      published++;
      done?.(true);
      return true;
    },
    subscribe() {},
  };
  const clock = { ms: 0, now: () => clock.ms };
  const line = pushedSource();
  const fw = new Firmware({ openSource: line.open, clock, flash: new SimFlash({ blocks: 64 }), publisher, log: () => {} },
    { deviceId: "xs", qos: 1, timeZone: "Europe/Amsterdam" });
  if (mode === "page") {
    new WebApp({
      firmware: fw, clock, zone: zone("Europe/Amsterdam"), identity: { serial: "0123456789ab", firmwareVersion: "bench" },
      asset: () => undefined, settings: new MemoryStore(), random: () => 0.5,
    });
  }
  fw.start();
  return (bytes, timeMs) => {
    clock.ms = timeMs;
    line.push(bytes);
    fw.tick(timeMs);
    return published;
  };
}

/** `mode` once, then "TIME_MS\n" + telegram per command; replies with a running count. */
serveBytes((input) => {
  if (!run) {
    run = setUp(latin1(input));
    return "ready";
  }
  // Bytes, not a string: a loop of charCodeAt over an XS string walks it from its start each time,
  // which would outweigh the telegram's own work in the meter.
  const cut = input.indexOf(0x0a);
  return String(run(input.subarray(cut + 1), Number(latin1(input, 0, cut))));
});
