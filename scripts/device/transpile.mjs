// mcconfig's makefile runs `tsc -p <module>-tsconfig.json` once per module, and each run
// type-checks the module's whole import graph again: about 80 runs of several seconds. The device
// check puts this transpiler first on PATH instead: it emits the same .js (and .map) per file with
// esbuild, without type-checking. Types are checked once by the test suite (tsconfig.device.json).
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { transformSync } from "esbuild";

const at = process.argv.indexOf("-p");
if (at < 0) {
  console.error("transpile.mjs: expects tsc -p <tsconfig.json>");
  process.exit(2);
}
const configPath = resolve(process.argv[at + 1]);
const config = JSON.parse(readFileSync(configPath, "utf8"));
const { outDir, rootDir = "/" } = config.compilerOptions ?? {};
for (const file of config.files ?? []) {
  const source = readFileSync(file, "utf8");
  const out = join(outDir, resolve(file).slice(resolve(rootDir).length).replace(/\.ts$/, ".js"));
  try {
    const { code, map } = transformSync(source, { loader: "ts", format: "esm", target: "es2022", sourcemap: "external", sourcefile: relative(dirname(out), file) });
    mkdirSync(dirname(out), { recursive: true });
    if (!code.trim()) {
      // A module of types only: "export {}" as tsc writes it, and no source map (xsc crashes on
      // one without sources).
      writeFileSync(out, "export {};\n");
      continue;
    }
    writeFileSync(out, code + `//# sourceMappingURL=${out.split("/").pop()}.map\n`);
    writeFileSync(out + ".map", map);
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    process.exit(1);
  }
}
