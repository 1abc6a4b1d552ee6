// `npm run bench`: runs every bench/<area>.js beside this file and prints its figures.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2);
for (const file of readdirSync(dir).filter((f) => f.endsWith(".js") && f !== "index.js").sort()) {
  const area = file.slice(0, -3);
  if (only.length && !only.includes(area)) continue;
  console.log(`\n== ${area}`);
  const mod: { bench(): Promise<void> } = await import(`./${file}`);
  await mod.bench();
}
