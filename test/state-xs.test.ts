// The state log is core code: under the real XS engine it writes the same flash image and
// recovers the same state after each power cut as on Node.
import test from "ava";
import { stateWorkload } from "./state-workload.js";
import { startXs } from "./helpers/xs.js";

test("state log changes, power cuts and remounts: XS output is identical to Node's", async (t) => {
  const xs = await startXs("test/xs/state.entry.ts");
  try {
    for (const spec of ["600,512", "600,4096"]) {
      const node = stateWorkload(spec);
      const { reply, compute } = await xs.command(spec);
      t.is(reply, node, spec);
      const cuts = node.split("\n").length - 1;
      t.true(cuts > 30, `${spec}: ${cuts} cuts`);
      t.log(`${spec}: ${cuts} cuts and remounts identical under XS (${compute} compute units)`);
    }
  } finally {
    await xs.close();
  }
});
