// The history store is core code: under the real XS engine it writes the same flash image and
// answers the same queries as on Node.
import test from "ava";
import { historyWorkload } from "./history-workload.js";
import { startXs } from "./helpers/xs.js";

test("store workload, power cut, remount and queries: XS output is identical to Node's", async (t) => {
  const xs = await startXs("test/xs/history.entry.ts");
  try {
    for (const spec of ["4,5,Europe/Amsterdam", "3,200,Europe/London", "2,0,UTC"]) {
      const node = historyWorkload(spec);
      const { reply, compute } = await xs.command(spec);
      t.is(reply, node, spec);
      const lines = node.split("\n");
      t.true(lines.filter((l) => l.includes('"quarter-hour"')).length > 150, spec);
      t.true(lines.some((l) => l.includes('"missing-readings"')), spec);
      t.log(`${spec}: ${lines.length - 1} records identical under XS (${compute} compute units)`);
    }
  } finally {
    await xs.close();
  }
});
