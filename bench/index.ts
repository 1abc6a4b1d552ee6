// `npm run bench [area...]`: runs every bench/<area>.js beside this file, each in its own process
// so that one area's setup (XS workers, brokers, hardened realms) cannot colour another's figures.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2);
const runner = `const m = await import(process.argv[1]); await m.bench();`;
let failed = false;
for (const file of readdirSync(dir).filter((f) => f.endsWith(".js") && f !== "index.js").sort()) {
  const area = file.slice(0, -3);
  if (only.length && !only.includes(area)) continue;
  console.log(`\n== ${area}`);
  // --expose-gc: memory figures are taken after a collection, not with whatever garbage is about.
  const r = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", runner, dir + file], { stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
