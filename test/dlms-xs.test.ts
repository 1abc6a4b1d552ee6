// The DLMS and SML decoders under the real XS engine: every plain corpus frame, a block-transfer
// stream and a mixed stream give exactly Node's lines.
import test from "ava";
import { decodeAll } from "../modules/decode/decoder.js";
import { toContractJson } from "../modules/reading/model.js";
import { latin1 } from "../modules/util/hex.js";
import { corpusCases, readCase } from "./helpers/corpus.js";
import { startXs } from "./helpers/xs.js";
import { concat, gbtBlocks, hdlcInfoUnchecked, mbusFrame } from "./dlms-frames.js";

const aidon2 = hdlcInfoUnchecked(readCase("hdlc-athombv-aidon-example-2").bytes).subarray(3);

const inputs: [string, Uint8Array][] = [
  ...[...corpusCases("hdlc-"), ...corpusCases("llc-"), ...corpusCases("sml-"), ...corpusCases("enc-mbus-")].map(
    (id): [string, Uint8Array] => [id, readCase(id).bytes],
  ),
  ["gbt blocks", concat(...gbtBlocks(aidon2, 90))],
  ["m-bus segments", concat(mbusFrame(aidon2.subarray(0, 240), 0x00), mbusFrame(aidon2.subarray(240, 480), 0x01), mbusFrame(aidon2.subarray(480), 0x12))],
  ["mixed", concat(readCase("sml-libsmltesting-emh-ehz361l5r").bytes, Uint8Array.of(1, 2, 3), readCase("hdlc-athombv-kamstrup-example-2").bytes)],
];

test("DLMS and SML under XS: identical lines to Node for every case", async (t) => {
  const xs = await startXs("test/xs/dlms.entry.ts");
  try {
    let ok = 0;
    for (const [id, bytes] of inputs) {
      const node = decodeAll(bytes).map(toContractJson).join("\n");
      const { reply, compute } = await xs.command(latin1(bytes));
      t.is(reply, node, id);
      t.true(compute > 0);
      ok += node.split("\n").filter((l) => l.startsWith('{"ok":true')).length;
    }
    t.true(ok >= 27, `${ok} ok results`);
    t.log(`${inputs.length} inputs identical under XS (${ok} ok results)`);
  } finally {
    await xs.close();
  }
});
