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
// Static imports and re-exports, side-effect imports (`import "node:fs"`), and literal dynamic imports.
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/g;
/** Any dynamic import: a computed one cannot be checked, and XS preloads the core's modules. */
const DYNAMIC = /\bimport\s*\(/;
const NODE_GLOBALS = /(?<![.\w])(Buffer|process|require|__dirname|setTimeout|setInterval|TextDecoder|TextEncoder)\s*[.(]/;

/** What is wrong with a core file's imports and globals (empty when nothing is). */
function coreProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  const code = text.replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
  for (const m of code.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith("./") && !spec.startsWith("../")) problems.push(`${spec}: not a relative core import`);
    else if (!spec.endsWith(".js")) problems.push(`${spec}: relative imports carry .js for mcconfig, Node and esbuild`);
    else if (!resolve(dirname(file), spec).startsWith(core + "/")) problems.push(`${spec}: leaves modules/`);
  }
  if (DYNAMIC.test(code)) problems.push("a dynamic import()");
  if (NODE_GLOBALS.test(code)) problems.push(`uses a Node global: ${NODE_GLOBALS.exec(code)?.[0]}`);
  return problems;
}

test("the core has modules to check", (t) => {
  t.true(files.length >= 10);
});

test("the check itself catches side-effect imports, dynamic imports, host imports and globals", (t) => {
  const file = join(core, "decode", "x.ts");
  t.deepEqual(coreProblems(file, 'import "node:fs";\nimport { a } from "./a.js";\n'), ["node:fs: not a relative core import"]);
  t.deepEqual(coreProblems(file, "const fs = await import(\"node:fs\");"), ["node:fs: not a relative core import", "a dynamic import()"]);
  t.deepEqual(coreProblems(file, "const m = await import(name);"), ["a dynamic import()"]);
  t.deepEqual(coreProblems(file, 'import "../../hosts/node/cli.js";'), ["../../hosts/node/cli.js: leaves modules/"]);
  t.deepEqual(coreProblems(file, "export * from \"yaml\";"), ["yaml: not a relative core import"]);
  t.deepEqual(coreProblems(file, "process.exit(1);"), ["uses a Node global: process."]);
  t.deepEqual(coreProblems(file, '// import "node:fs";\nimport type { X } from "../reading/model.js";'), []);
});

for (const file of files) {
  const name = relative(repoRoot, file);
  test(`${name} imports only core modules`, (t) => {
    t.deepEqual(coreProblems(file, readFileSync(file, "utf8")), []);
  });
}
