// The core under the real XS engine: every corpus frame decodes to exactly what Node produces.
import test from "ava";
import { decodeAll } from "../modules/decode/decoder.js";
import { toContractJson } from "../modules/reading/model.js";
import { latin1 } from "../modules/util/hex.js";
import { corpusCases, readCase } from "./helpers/corpus.js";
import { startXs } from "./helpers/xs.js";

test("DSMR corpus: XS output is identical to Node's", async (t) => {
  const xs = await startXs("test/xs/decode.entry.ts");
  try {
    const cases = corpusCases("dsmr-");
    for (const id of cases) {
      const { bytes } = readCase(id);
      const node = decodeAll(bytes).map(toContractJson).join("\n");
      const { reply, compute } = await xs.command(latin1(bytes));
      t.is(reply, node, id);
      t.true(compute > 0);
    }
    t.log(`${cases.length} DSMR cases identical under XS`);
  } finally {
    await xs.close();
  }
});

test("long input does not overflow the XS stack (8 KB of telegrams in one command)", async (t) => {
  const xs = await startXs("test/xs/decode.entry.ts");
  try {
    const one = readCase("dsmr-ndokter-v4_2-kaifa").bytes;
    const many = new Uint8Array(one.length * 10 + 20);
    for (let i = 0; i < 10; i++) many.set([...one, 13, 10], i * (one.length + 2));
    const { reply } = await xs.command(latin1(many));
    t.is(reply.split("\n").filter((l) => l.startsWith('{"ok":true')).length, 10);
  } finally {
    await xs.close();
  }
});
