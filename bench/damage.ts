// Single-byte damage of every protected corpus frame. `npm run bench damage` prints a seeded sample;
// the full run (every variant, about 18 million) is
//   npm run build && node dist/bench/damage.js full [CASE-PREFIX] [SHARD/SHARDS] [mid-stream]
// (shards split the variants between processes, one per core; `mid-stream` decodes each variant
// after its undamaged frame on the same line). Prints per case and in total how many variants
// decoded ok with values the meter did not send, and how many threw: both must be 0.
import { judge, newTally, protectedCases, seeded, variantCount, type DamageTally } from "../test/helpers/damage.js";

function add(total: DamageTally, t: DamageTally): void {
  total.variants += t.variants;
  total.wrong += t.wrong;
  total.same += t.same;
  total.repaired += t.repaired;
  total.exceptions += t.exceptions;
  total.examples.push(...t.examples.slice(0, 3));
}

function report(total: DamageTally, started: number): void {
  console.log(`total: ${total.variants} variants in ${Math.round((Date.now() - started) / 1000)} s: ${total.wrong} ok with values the meter did not send, ${total.exceptions} exceptions, ${total.same} ok with exactly the undamaged values, ${total.repaired} ok from frames whose undamaged copy fails its check`);
  for (const e of total.examples.slice(0, 20)) console.log("  " + e);
}

function full(prefix: string, shard: number, shards: number, midStream: boolean): number {
  const total = newTally();
  const started = Date.now();
  for (const c of protectedCases().filter((c) => c.id.startsWith(prefix))) {
    const tally = newTally();
    const n = variantCount(c);
    for (let k = shard; k < n; k += shards) judge(c, k, tally, midStream);
    add(total, tally);
    console.log(`${c.id}: ${tally.variants} variants, ${tally.wrong} wrong ok, ${tally.same} ok as sent, ${tally.repaired} repaired, ${tally.exceptions} exceptions`);
  }
  report(total, started);
  return total.wrong || total.exceptions ? 1 : 0;
}

export async function bench(): Promise<void> {
  const cases = protectedCases();
  const rnd = seeded(11);
  const total = newTally();
  const started = Date.now();
  for (let i = 0; i < 50_000; i++) {
    const c = cases[Math.floor(rnd() * cases.length)];
    judge(c, Math.floor(rnd() * variantCount(c)), total);
  }
  report(total, started);
}

if (process.argv[2] === "full") {
  const [shard, shards] = (process.argv[4] ?? "0/1").split("/").map(Number);
  process.exitCode = full(process.argv[3] ?? "", shard, shards, process.argv[5] === "mid-stream");
}
