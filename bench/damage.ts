// The full single-byte damage run over every protected corpus frame (about 10 million variants):
// `npm run build && node dist/bench/damage.js [CASE-PREFIX] [SHARD/SHARDS]` (shards split the
// variants between processes, one per core). Prints per case and in total how many
// variants decoded ok with values the meter did not send, and how many threw. Both must be 0.
import { judge, newTally, protectedCases, variantCount } from "../test/helpers/damage.js";

const prefix = process.argv[2] ?? "";
const [shard, shards] = (process.argv[3] ?? "0/1").split("/").map(Number);
const total = newTally();
const started = Date.now();
for (const c of protectedCases().filter((c) => c.id.startsWith(prefix))) {
  const tally = newTally();
  const n = variantCount(c);
  for (let k = shard; k < n; k += shards) judge(c, k, tally);
  total.variants += tally.variants;
  total.wrong += tally.wrong;
  total.same += tally.same;
  total.exceptions += tally.exceptions;
  total.repaired += tally.repaired;
  total.examples.push(...tally.examples.slice(0, 3));
  console.log(`${c.id}: ${tally.variants} variants, ${tally.wrong} wrong ok, ${tally.same} ok as sent, ${tally.repaired} repaired, ${tally.exceptions} exceptions`);
}
console.log(`total: ${total.variants} variants in ${Math.round((Date.now() - started) / 1000)} s: ${total.wrong} ok with values the meter did not send, ${total.exceptions} exceptions, ${total.same} ok with exactly the undamaged values, ${total.repaired} ok from frames whose undamaged copy fails its check`);
for (const e of total.examples.slice(0, 20)) console.log("  " + e);
process.exitCode = total.wrong || total.exceptions ? 1 : 0;
