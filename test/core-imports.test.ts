// The core (modules/) must run on XS: it imports only other core files, never a host, a Node
// built-in or a package, and uses no Node globals.
import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { repoRoot } from "./helpers/xs.js";

const core = join(repoRoot, "modules");

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const files = tsFiles(core);
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
const NODE_GLOBALS = /(?<![.\w])(Buffer|process|require|__dirname|setTimeout|setInterval|TextDecoder|TextEncoder)\s*[.(]/;

test("the core has modules to check", (t) => {
  t.true(files.length >= 10);
});

for (const file of files) {
  const name = relative(repoRoot, file);
  test(`${name} imports only core modules`, (t) => {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      t.true(spec.startsWith("./") || spec.startsWith("../"), `${spec}: not a relative core import`);
      t.true(spec.endsWith(".js"), `${spec}: relative imports carry .js for mcconfig, Node and esbuild`);
      const target = resolve(dirname(file), spec);
      t.true(target.startsWith(core + "/"), `${spec}: leaves modules/`);
    }
    const code = text.replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
    t.false(NODE_GLOBALS.test(code), `uses a Node global: ${NODE_GLOBALS.exec(code)?.[0]}`);
  });
}
