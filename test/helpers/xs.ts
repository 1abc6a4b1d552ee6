// Runs core code under the real XS engine (Agoric's xsnap build of Moddable XS).
import "@endo/init";
import { xsnap } from "@agoric/xsnap";
import { build } from "esbuild";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import { spawn } from "node:child_process";
import { type as osType } from "node:os";
import { fileURLToPath } from "node:url";
import tmp from "tmp";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export interface XsReply {
  reply: string;
  /** xsnap's deterministic compute meter for the command. */
  compute: number;
  /** Heap slots in use after the command. */
  heap: number;
}

export interface XsWorker {
  command(input: string): Promise<XsReply>;
  close(): Promise<void>;
}

/**
 * Bundles a TypeScript entry (path from the repo root) for XS and starts it in a worker.
 * `handleCommand` answers the worker's own `issueCommand` calls (a host port played by Node).
 */
export async function startXs(entry: string, handleCommand?: (request: Uint8Array) => Promise<Uint8Array>): Promise<XsWorker> {
  const bundle = await build({
    entryPoints: [repoRoot + entry],
    bundle: true,
    format: "iife",
    platform: "neutral",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const worker = await xsnap({
    os: osType(),
    spawn,
    fs: { ...fsp, createReadStream: fs.createReadStream, tmpName: tmp.tmpName },
    name: entry.replace(/[^a-z0-9]/gi, "_"),
    meteringLimit: 0,
    stderr: "inherit",
    ...(handleCommand ? { handleCommand } : {}),
  } as any);
  await worker.evaluate(bundle.outputFiles[0].text);
  return {
    async command(input: string): Promise<XsReply> {
      const bytes = new Uint8Array(input.length);
      for (let i = 0; i < input.length; i++) bytes[i] = input.charCodeAt(i) & 0xff;
      const { reply, meterUsage } = await worker.issueCommand(bytes);
      let text = "";
      for (let i = 0; i < reply.length; i += 4096) text += String.fromCharCode(...reply.subarray(i, i + 4096));
      return { reply: text, compute: meterUsage.compute ?? 0, heap: meterUsage.currentHeapCount ?? 0 };
    },
    close: () => worker.close(),
  };
}
