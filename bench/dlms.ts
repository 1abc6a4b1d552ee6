// DLMS and SML decode speed on Node, against the npm `smartmeter-obis` (SML) on the same captures
// in the same run, and XS compute and heap per frame under the real engine.
import { createRequire } from "node:module";
import { Decoder } from "../modules/decode/decoder.js";
import { latin1 } from "../modules/util/hex.js";
import { corpusCases, readCase } from "../test/helpers/corpus.js";
import { group, meterUnderXs, rate } from "./lib/measure.js";

interface SmlPeer {
  handleMessage(message: Buffer): unknown;
}
type SmlPeerClass = new (options: object, store: (err: Error | null, data: unknown) => void) => SmlPeer;
const SmlProtocol: SmlPeerClass = createRequire(import.meta.url)("smartmeter-obis/lib/protocols/SmlProtocol.js");

/**
 * Decodes every capture `rounds` times, each through its own decoder as its own meter's stream
 * (a stream keeps the framing it found: an LLC frame inside an HDLC stream is no frame); throws
 * unless each one is ok.
 */
function ours(label: string, captures: Uint8Array[], rounds: number): number {
  let ok = 0;
  const decoders = captures.map(() => new Decoder({}, (r) => (ok += r.ok ? 1 : 0)));
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) for (let j = 0; j < captures.length; j++) decoders[j].push(captures[j]);
  for (const decoder of decoders) decoder.flush();
  const perSecond = rate(label, rounds * captures.length, performance.now() - t0, "frames");
  if (ok !== rounds * captures.length) throw new Error(`${label}: only ${ok} frames decoded`);
  return perSecond;
}

export async function bench(): Promise<void> {
  const sml = corpusCases("sml-").map((id) => readCase(id).bytes);
  // The plain DLMS cases that decode: HDLC (the segmented one counts once), LLC.
  const dlms = [...corpusCases("hdlc-athombv-"), ...corpusCases("llc-")]
    .filter((id) => !id.includes("described-list"))
    .map((id) => readCase(id).bytes);
  const rounds = 3000;
  const avg = (list: Uint8Array[]) => Math.round(list.reduce((n, b) => n + b.length, 0) / list.length);
  console.log(`${dlms.length} DLMS captures (${avg(dlms)} B average) and ${sml.length} SML captures (${avg(sml)} B), ${rounds} rounds each`);

  ours("metertap DLMS (bytes → Reading, FCS checked)", dlms, rounds);
  const mine = ours("metertap SML (bytes → Reading, CRC checked)", sml, rounds);

  let stored = 0;
  const peer = new SmlProtocol({ debug: 0, logger: () => undefined }, (err) => (stored += err ? 0 : 1));
  const buffers = sml.map((b) => Buffer.from(b));
  const t1 = performance.now();
  for (let i = 0; i < rounds; i++) for (const b of buffers) peer.handleMessage(b);
  const theirs = rate("smartmeter-obis 4.0.0 SmlProtocol", rounds * sml.length, performance.now() - t1, "frames");
  if (stored !== rounds * sml.length) throw new Error(`smartmeter-obis stored only ${stored} results`);
  console.log(`ratio: metertap SML is ${(mine / theirs).toFixed(1)}× smartmeter-obis`);

  for (const [family, list] of [["DLMS", dlms], ["SML", sml]] as const) {
    const xs = await meterUnderXs("test/xs/dlms.entry.ts", list.map((b) => latin1(b)));
    console.log(`XS ${family}: ${group(xs.compute)} compute units per frame, heap ${group(xs.heap)} slots after decoding`);
  }
}
