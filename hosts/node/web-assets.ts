// The page's compressed assets on Node: the files scripts/web-assets.mjs wrote into dist/web/
// (the same .gz files the dongle carries as firmware resources).
import { readFileSync } from "node:fs";
import { ASSET_TYPES } from "../../modules/web/assets.js";

const DIR = new URL("../../web/", import.meta.url);

let loaded: ((name: string) => Uint8Array | undefined) | undefined;

/** Read once per process: a fleet's thousand meter pages share them. */
export function nodeAssets(): (name: string) => Uint8Array | undefined {
  return (loaded ??= load());
}

function load(): (name: string) => Uint8Array | undefined {
  const cache = new Map<string, Uint8Array>();
  for (const name of Object.keys(ASSET_TYPES)) {
    try {
      cache.set(name, readFileSync(new URL(`${name}.gz`, DIR)));
    } catch {
      // Not built (npm run build writes them): the page answers 404 for it.
    }
  }
  return (name) => cache.get(name);
}
