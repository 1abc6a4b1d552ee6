// `--flash FILE`: the history, publish cursors and frame counters in a flash image file, and the
// key-value store (device id, signing key, an older image's cursors and counters) in FILE.kv.json.
import type { FlashRegion, KeyValueStore } from "../../modules/ports/ports.js";
import { FileKeyValueStore } from "./kv-file.js";
import { FileFlash } from "./flash-file.js";

export interface FlashStorage {
  flash: FlashRegion;
  store: KeyValueStore;
  close(): void;
}

export function openFlashFile(path: string): FlashStorage {
  const flash = FileFlash.open(path);
  return { flash, store: new FileKeyValueStore(`${path}.kv.json`), close: () => flash.close() };
}
