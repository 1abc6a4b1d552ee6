// `metertap decode` on large generated inputs of each kind of content: peak RSS and MB/s.
// `npm run bench decode-memory` uses 16 MB inputs; the README's figures come from
//   npm run build && node dist/bench/decode-memory.js full [MB] [KIND...]   (default 1024 MB, every kind)
// Inputs are written to a temporary file in 1 MB pieces and removed afterwards.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readCase } from "../test/helpers/corpus.js";
import { seeded } from "../test/helpers/damage.js";

const cli = fileURLToPath(new URL("../hosts/node/cli.js", import.meta.url));
const MB = 1 << 20;
/** Reports the process's peak RSS on exit, without touching the CLI. */
const PEAK = 'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss:"+process.resourceUsage().maxRSS+"\\n"))';

function repeat(unit: Uint8Array): Uint8Array {
  const out = new Uint8Array(MB);
  for (let i = 0; i < MB; i += unit.length) out.set(unit.subarray(0, Math.min(unit.length, MB - i)), i);
  return out;
}

const KINDS: Record<string, () => Uint8Array> = {
  junk: (() => {
    const rnd = seeded(7);
    return () => Uint8Array.from({ length: MB }, () => Math.floor(rnd() * 256));
  })(),
  "0x0F": () => new Uint8Array(MB).fill(0x0f),
  "0xE0": () => new Uint8Array(MB).fill(0xe0),
  "SML escapes": () => repeat(Uint8Array.of(0x1b, 0x1b, 0x1b, 0x1b, 1, 1, 1, 1)),
  "DSMR telegrams": () => repeat(readCase("dsmr-ndokter-v5-two-mbus-iskra-am550").bytes),
  "HDLC frames": () => repeat(readCase("hdlc-athombv-aidon-example-2").bytes),
};

export interface Figure {
  kind: string;
  mb: number;
  seconds: number;
  peakMb: number;
  exit: number | null;
}

export function measure(kind: string, mb: number): Figure {
  const dir = mkdtempSync(join(tmpdir(), "metertap-mem-"));
  const file = join(dir, "input.bin");
  try {
    const fd = openSync(file, "w");
    const make = KINDS[kind];
    for (let i = 0; i < mb; i++) writeSync(fd, make());
    closeSync(fd);
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["--import", PEAK, cli, "decode", file], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", maxBuffer: 64 * MB });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peak = /maxrss:(\d+)/.exec(r.stderr);
    return { kind, mb, seconds, peakMb: peak ? Number(peak[1]) / 1024 : NaN, exit: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(mb: number, kinds = Object.keys(KINDS)): void {
  console.log(`decode of ${mb} MB per kind (output to /dev/null)`);
  for (const kind of kinds) {
    const f = measure(kind, mb);
    console.log(`  ${kind.padEnd(15)} ${(f.mb / f.seconds).toFixed(1).padStart(6)} MB/s  peak RSS ${f.peakMb.toFixed(0).padStart(4)} MB  exit ${f.exit}`);
  }
}

export async function bench(): Promise<void> {
  run(16);
}

if (process.argv[2] === "full") {
  const kinds = process.argv.slice(4);
  const unknown = kinds.filter((k) => !(k in KINDS));
  if (unknown.length) throw new Error(`no such kind: ${unknown.join(", ")} (kinds: ${Object.keys(KINDS).join(", ")})`);
  run(Number(process.argv[3] ?? 1024), kinds.length ? kinds : undefined);
}
