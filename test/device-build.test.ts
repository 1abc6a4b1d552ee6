// What can be checked of the device build without the device kit: the Moddable hosts and main.ts
// type-check against @moddable/typings, the portable native C compiles (XS headers from
// @agoric/xsnap, PSA from libmbedtls-dev; the ESP-IDF C is compiled by the real build in
// test/device-check.test.ts), the
// device's PSA verification path accepts what `sign-image` makes, and manifest.json,
// partitions.csv and sdkconfig agree with each other and with the code.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPairSync, createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { rawPublicKey, signImage } from "../hosts/node/ota-crypto.js";
import { fakeAppImage } from "./ota-device.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const at = (p: string) => join(root, p);
const XS = at("node_modules/@agoric/xsnap/moddable/xs/includes");
const read = (p: string) => readFileSync(at(p), "utf8");

function gcc(args: string[]) {
  return spawnSync("gcc", args, { encoding: "utf8", cwd: root });
}

test("hosts/esp32, hosts/moddable-sim and main.ts type-check against @moddable/typings", (t) => {
  const r = spawnSync(process.execPath, [at("node_modules/typescript/bin/tsc"), "-p", at("tsconfig.device.json"), "--noEmit"], { encoding: "utf8", cwd: root });
  t.is(r.status, 0, r.stdout + r.stderr);
});

const syntaxChecks: [string, string[]][] = [
  ["modules/crypto/sha256_psa.c", []],
  ["hosts/moddable/ota-psa.c", ["-I" + XS, "-Imodules/crypto"]],
  ["hosts/moddable/checksum.c", ["-I" + XS]],
];
for (const [file, flags] of syntaxChecks) {
  test(`gcc -fsyntax-only ${file}`, (t) => {
    const r = gcc(["-fsyntax-only", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter", ...flags, file]);
    t.is(r.status, 0, r.stderr);
  });
}

test("the device's PSA path (sha256_psa streaming + gcm_psa_verify_p256) verifies sign-image output", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "metertap-psa-"));
  const exe = join(dir, "ota_verify");
  const built = gcc(["-std=gnu11", "-Wall", "-Imodules/crypto", "-o", exe, "test/device-c/ota_verify.c",
    "modules/crypto/sha256_psa.c", "modules/crypto/gcm_psa.c", "-lmbedcrypto"]);
  t.is(built.status, 0, built.stderr);
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const other = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey;
  const key = Buffer.from(rawPublicKey(privateKey)).toString("hex");
  const image = signImage(fakeAppImage(300_001, 9), { target: "esp32", version: { major: 1, minor: 0, patch: 0 } }, privateKey);
  const run = (bytes: Uint8Array, chunk: number) => {
    const path = join(dir, `image-${chunk}.bin`);
    writeFileSync(path, bytes);
    return execFileSync(exe, [key, path, String(chunk)], { encoding: "utf8" }).trim().split(" ");
  };
  const expected = createHash("sha256").update(image.subarray(0, image.length - 64)).digest("hex");
  for (const chunk of [1, 1460, 4096, 1 << 20]) t.deepEqual(run(image, chunk), [expected, "valid"], `chunk ${chunk}`);
  const tampered = image.slice();
  tampered[1000] ^= 1;
  t.is(run(tampered, 4096)[1], "invalid");
  const resigned = signImage(fakeAppImage(300_001, 9), { target: "esp32", version: { major: 1, minor: 0, patch: 0 } }, other);
  t.is(run(resigned, 4096)[1], "invalid", "signed with another key");
});

function partitions() {
  return read("partitions.csv").split("\n").filter((l) => l.trim() && !l.startsWith("#")).map((l) => {
    const [name, type, subtype, offset, size] = l.split(",").map((s) => s.trim());
    return { name, type, subtype, offset: Number(offset), size: Number(size) };
  });
}

test("partitions.csv: two equal OTA slots, otadata, ≥ 1 MiB history, NVS, no overlap, fits 8 MB", (t) => {
  const p = partitions();
  const byName = Object.fromEntries(p.map((x) => [x.name, x]));
  t.truthy(byName.otadata && byName.otadata.type === "data" && byName.otadata.subtype === "ota" && byName.otadata.size === 0x2000);
  t.is(byName.ota_0.type, "app");
  t.is(byName.ota_0.size, byName.ota_1.size);
  for (const slot of [byName.ota_0, byName.ota_1]) t.is(slot.offset % 0x10000, 0, "app partitions are 64 KiB aligned");
  t.is(byName.history.type, "data", "embedded:storage/flash opens data partitions only");
  t.true(byName.history.size >= 1 << 20);
  t.true(byName.nvs.size >= 0x6000, "room for preferences");
  t.falsy(byName.factory, "no factory partition: mcconfig must not auto-split");
  const sorted = [...p].sort((a, b) => a.offset - b.offset);
  t.true(sorted[0].offset >= 0x9000, "after the boot loader and partition table");
  for (let i = 1; i < sorted.length; i++) t.true(sorted[i - 1].offset + sorted[i - 1].size <= sorted[i].offset, `${sorted[i - 1].name} overlaps ${sorted[i].name}`);
  const last = sorted[sorted.length - 1];
  t.true(last.offset + last.size <= 0x800000);
  for (const x of p) t.is(x.offset % 0x1000, 0, `${x.name} sector aligned`);
});

test("manifest.json agrees with the files, the partitions, the C and the core folders", (t) => {
  const m = JSON.parse(read("manifest.json"));
  const esp32 = m.platforms.esp32;
  t.is(esp32.build.PARTITIONS_FILE, "./partitions.csv");
  t.regex(read(join(esp32.build.SDKCONFIGPATH, "sdkconfig.defaults")), /^CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=y$/m);
  t.is(esp32.config.otaSlotSize, partitions().find((x) => x.name === "ota_0")!.size);
  t.is(m.platforms.lin["creation"].main, "hosts/moddable-sim/main");
  t.falsy(esp32.config.uart, "the meter UART defaults per chip (boot.c), not to UART2, which the C3 lacks");
  for (const net of ["wifi", "openeth"]) {
    const variant = JSON.parse(read(`hosts/esp32/${net}/manifest.json`));
    t.is((variant.creation ?? variant.platforms.esp32.creation).main, `hosts/esp32/${net}/main`);
  }
  // embedded:storage/flash (hosts/esp32/flash.ts) and the legacy wifi module (wifi/network.ts)
  // link only when their manifests are included; XS finds a missing one only at boot.
  t.true(esp32.include.includes("$(MODULES)/io/flash/manifest.json"));
  t.true(JSON.parse(read("hosts/esp32/wifi/manifest.json")).include.includes("$(MODULES)/network/wifi/manifest.json"));
  // The QEMU sdkconfig repeats every board setting and adds only the OpenCores Ethernet, the
  // console, and software SHA (the kit's Mbed TLS does not reach ESP-IDF's SHA driver).
  const board = read("sdkconfig/sdkconfig.defaults").split("\n").filter((l) => /^CONFIG_/.test(l));
  const qemu = read("hosts/esp32/openeth/sdkconfig/sdkconfig.defaults").split("\n").filter((l) => /^CONFIG_/.test(l));
  t.deepEqual(qemu, [...board, "CONFIG_ETH_USE_OPENETH=y", "CONFIG_ESP_CONSOLE_UART_DEFAULT=y",
    "CONFIG_BOOTLOADER_LOG_LEVEL_WARN=y", "CONFIG_LOG_DEFAULT_LEVEL_ERROR=y", "CONFIG_MBEDTLS_HARDWARE_SHA=n"]);
  // Module names mirror the repository's paths, so relative imports resolve alike on XS and Node.
  const coreFolders = readdirSync(at("modules")).filter((d) => statSync(at("modules/" + d)).isDirectory()
    && readdirSync(at("modules/" + d)).some((f) => f.endsWith(".ts")));
  for (const folder of coreFolders) t.truthy(m.modules[`modules/${folder}/*`], `modules/${folder} is mapped in manifest.json`);
  for (const [name, source] of Object.entries<string | string[]>(m.modules)) {
    for (const s of [source].flat()) {
      if (s.startsWith("./") && !s.endsWith("*")) t.true(existsSync(at(s + ".ts")) || existsSync(at(s + ".c")) || existsSync(at(s + ".d.ts")), `${name} → ${s}`);
    }
  }
  const boot = read("hosts/esp32/ffi/boot.c");
  for (const fn of Object.keys(esp32.ffi.functions)) t.regex(boot, new RegExp(`\\b${fn}\\(`), `${fn} is defined in boot.c`);
  for (const s of esp32.ffi.sources) t.true(existsSync(at(s)));
});

test("every module the Moddable entries import is built: manifest.json maps each one", (t) => {
  // mcconfig builds only what a manifest names; XS finds a missing module only at boot.
  const mapped: string[] = [];
  const collect = (dir: string, modules: Record<string, string | string[]> | undefined) => {
    for (const v of Object.values(modules ?? {}).flat()) if (v.startsWith("./")) mapped.push(join(dir, v).replace(/\\/g, "/"));
  };
  const root = JSON.parse(read("manifest.json"));
  collect("", root.modules);
  for (const p of Object.values<{ modules?: Record<string, string> }>(root.platforms)) collect("", p.modules);
  for (const net of ["wifi", "openeth"]) {
    const v = JSON.parse(read(`hosts/esp32/${net}/manifest.json`));
    collect(`hosts/esp32/${net}`, v.modules ?? v.platforms.esp32.modules);
  }
  const built = (path: string) => mapped.some((m) => m === path || (m.endsWith("/*") && m.slice(0, -2) === path.slice(0, path.lastIndexOf("/"))));
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    // Runtime imports only: `import type` is erased.
    for (const m of read(`${path}.ts`).matchAll(/^import (?!type )[^"]*"(\.{1,2}\/[^"]+)\.js";/gm)) visit(join(path, "..", m[1]).replace(/\\/g, "/"));
  };
  for (const entry of ["main", "hosts/esp32/wifi/main", "hosts/esp32/openeth/main", "hosts/moddable-sim/main"]) visit(entry);
  t.true(seen.has("modules/app/firmware") && seen.has("hosts/esp32/host"), "the import graph was followed");
  for (const path of seen) t.true(built(path), `${path} is imported but no manifest builds it`);
});

// mcconfig's preload patterns with a star match only .js modules, so the list names each module.
test("the ESP32 build preloads every project module except the entry points", (t) => {
  const names = (dir: string) => readdirSync(at(dir)).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => `${dir}/${f.slice(0, -3)}`);
  const core = readdirSync(at("modules")).flatMap((d) => names(`modules/${d}`));
  const preload = new Set<string>(JSON.parse(read("manifest.json")).platforms.esp32.preload);
  for (const name of ["main", ...core, ...names("hosts/moddable"), ...names("hosts/esp32"), "setup/network"]) {
    t.true(preload.has(name), `${name} is preloaded (manifest.json platforms.esp32.preload)`);
  }
  for (const net of ["wifi", "openeth"]) {
    const variant = JSON.parse(read(`hosts/esp32/${net}/manifest.json`));
    const own = new Set<string>((variant.preload ?? variant.platforms.esp32.preload));
    for (const name of names(`hosts/esp32/${net}`)) {
      // The entry point runs the firmware: preloading it would run it in the build's linker.
      t.is(own.has(name), !name.endsWith("/main"), `${name} in ${net}'s preload`);
    }
  }
});

// xsl, on the 64-bit build machine, compiles a RegExp made while a module is preloaded; on the
// 32-bit chip that compiled form crashed the firmware at its first test() (a Load access fault in
// fx_RegExp_prototype_exec, seen in QEMU). Literals inside functions compile on the device.
/** The source file of each module the ESP32 build preloads (manifest.json platforms.esp32.preload). */
function preloadedFiles(): string[] {
  const preload: string[] = JSON.parse(read("manifest.json")).platforms.esp32.preload;
  return preload.map((name) => (name === "setup/network" ? "hosts/esp32/setup/network.ts" : `${name}.ts`));
}

test("no RegExp is made at module level in the modules the ESP32 preloads", (t) => {
  for (const file of preloadedFiles()) {
    const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.ES2022, true);
    const found: string[] = [];
    // A literal runs when its enclosing function does; outside any function it runs at preload.
    const visit = (node: ts.Node, inFunction: boolean): void => {
      if (node.kind === ts.SyntaxKind.RegularExpressionLiteral && !inFunction) found.push(node.getText(source));
      ts.forEachChild(node, (child) => visit(child, inFunction || ts.isFunctionLike(node)));
    };
    visit(source, false);
    t.deepEqual(found, [], `${file} makes a RegExp at module level`);
  }
});

// xsl makes Maps, Sets, Dates and ArrayBuffers made while a module is preloaded read-only; a cache
// Map at module level made every DSMR telegram `malformed` on the chip ("read-only Map instance").
test("no Map or Set made at module level in a preloaded module is changed at run time", (t) => {
  for (const file of preloadedFiles()) {
    const source = read(file);
    for (const m of source.matchAll(/^(?:export )?(?:const|let) ([\w$]+)(?:: [^=]+)? = new (?:Map|Set|WeakMap|WeakSet)\b/gm)) {
      t.notRegex(source, new RegExp(`\\b${m[1]}\\.(set|add|delete|clear)\\(`), `${file}: ${m[1]} is read-only on the device`);
    }
  }
});

test("every Native()/native() name in a host has its C function", (t) => {
  const pairs: [string, string][] = [["hosts/esp32/p1uart.ts", "hosts/esp32/p1uart.c"], ["hosts/moddable/ota-psa.ts", "hosts/moddable/ota-psa.c"], ["hosts/esp32/openeth/openeth.ts", "hosts/esp32/openeth/openeth.c"], ["modules/crypto/psa-signer.ts", "modules/crypto/aesgcm.c"], ["hosts/moddable/checksum.ts", "hosts/moddable/checksum.c"]];
  for (const [ts, c] of pairs) {
    const names = [...read(ts).matchAll(/[Nn]ative\("(\w+)"\)/g)].map((x) => x[1]);
    t.true(names.length >= 1, ts);
    for (const n of names) t.regex(read(c), new RegExp(`^void ${n}\\((xsMachine \\*the|void \\*data)\\)`, "m"), `${n} in ${c}`);
  }
});
