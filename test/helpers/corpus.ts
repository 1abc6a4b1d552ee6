// Reads the shared corpus in place (never copied into the project).
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

/**
 * ../shared/corpus relative to the repository root (dist/test/helpers → three levels up), or
 * METERTAP_CORPUS for a checkout that does not sit beside it (a worktree).
 */
export const corpusDir = process.env.METERTAP_CORPUS ?? fileURLToPath(new URL("../../../../shared/corpus/", import.meta.url));

/** Case ids (file names without extension) that start with `prefix`, sorted. */
export function corpusCases(prefix = ""): string[] {
  return readdirSync(corpusDir)
    .filter((f) => f.endsWith(".expected.json") && f.startsWith(prefix))
    .map((f) => f.slice(0, -".expected.json".length))
    .sort();
}

export interface CorpusCase {
  id: string;
  path: string;
  bytes: Uint8Array;
  // The expected.json formats differ per source project; each test adapter reads its own.
  expected: any;
}

export function readCase(id: string): CorpusCase {
  const expected = JSON.parse(readFileSync(join(corpusDir, `${id}.expected.json`), "utf8"));
  const path = join(corpusDir, expected.file);
  return { id, path, bytes: new Uint8Array(readFileSync(path)), expected };
}
