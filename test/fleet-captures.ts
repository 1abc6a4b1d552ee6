// Two-hour captures for the multi-meter tests: DSMR 5 from the generator (plain, or wrapped in
// general-glo-ciphering as the Luxembourg meters send it), and the corpus's Kamstrup HDLC push
// re-timed every step with its FCS recomputed. A telegram every 30 s keeps 15 meters light.
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import { crc16X25 } from "../modules/util/crc16.js";
import { concatBytes } from "../modules/util/bytes.js";
import { readCase } from "./helpers/corpus.js";
import { buildGlo } from "./security-frames.js";

export const START_MS = Date.UTC(2026, 2, 28, 10);
export const TELEGRAMS = 720; // two hours at 10 s (test/db)
const STEP_S = 30;
const STEPS = 7200 / STEP_S;

export function dsmrCapture(meterId: string, encrypt?: { key: string; authKey: string }): Uint8Array {
  const g = new Dsmr5Generator({ startMs: START_MS, intervalS: STEP_S, meterId });
  const parts: Uint8Array[] = [];
  for (let i = 0; i < STEPS; i++) {
    const bytes = g.next().bytes;
    parts.push(encrypt ? buildGlo(bytes, encrypt.key, i + 1, { authKey: encrypt.authKey }) : bytes);
  }
  return concatBytes(parts);
}

/** The corpus Kamstrup list 2 frame, its two COSEM date-times set to each step. */
export function kamstrupCapture(): Uint8Array {
  const frame = readCase("hdlc-athombv-kamstrup-example-2").bytes;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < STEPS; i++) {
    const f = frame.slice();
    const d = new Date(START_MS + i * STEP_S * 1000);
    const dt = [d.getUTCFullYear() >> 8, d.getUTCFullYear() & 255, d.getUTCMonth() + 1, d.getUTCDate(), 0xff, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
    for (const at of [17, 235]) f.set(dt, at);
    const fcs = crc16X25(f, 1, f.length - 3);
    f[f.length - 3] = fcs & 0xff;
    f[f.length - 2] = fcs >> 8;
    parts.push(f);
  }
  return concatBytes(parts);
}
