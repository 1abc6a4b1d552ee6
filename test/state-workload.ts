// One deterministic state-log workload, run by Node and by XS (test/xs/state.entry.ts) so their
// outputs can be compared: cursor and counter changes, forgets, a power cut every few changes at
// a varying byte, a remount after each. Core code only: this file is bundled for XS.
import { StateLog } from "../modules/history/state-log.js";
import { crc32 } from "../modules/history/crc32.js";
import { SimFlash } from "./sim-flash.js";

const REGION = { firstBlock: 0, blocks: 8 };
const TITLES = ["4b464d6750000009", "0011223344556677", "a1b2c3d4e5f60718"];

/** `spec` is "changes,blockLength": how many changes, and the size of the 8 blocks. */
export function stateWorkload(spec: string): string {
  const [changes, blockLength] = spec.split(",").map(Number);
  const flash = new SimFlash({ blocks: REGION.blocks, blockLength, seed: 9 });
  let log = new StateLog(flash, REGION);
  const lines: string[] = [];
  for (let i = 0; i < changes; i++) {
    if (i % 7 === 3) flash.cutAfter((i * 5) % 23);
    try {
      if (i % 53 === 20) log.forget(TITLES[i % 3]);
      else if (i % 2) log.setCounter(TITLES[(i >> 4) % 3], 100 * i + 7);
      else log.setCursor((i >> 1) % 6, { seq: (0xfffffffe + (i >> 5)) >>> 0, offset: 16 + ((i * 29) % 4000) });
      flash.cutAfter(Infinity);
    } catch (e) {
      if ((e as Error).name !== "PowerLoss") throw e;
      flash.powerOn();
      log = new StateLog(flash, REGION);
      lines.push(`${i}: ${text(log)}`);
    }
  }
  lines.push(`end: ${text(new StateLog(flash, REGION))} flash crc ${crc32(flash.bytes, 0, flash.bytes.length).toString(16)}`);
  return lines.join("\n");
}

function text(log: StateLog): string {
  const c = [...log.cursors].map(([k, v]) => `${k}=${v.seq.toString(16)}:${v.offset}`);
  const n = [...log.counters].map(([k, v]) => `${k}=${v}`);
  return `${c.join(",")} | ${n.join(",")}`;
}
