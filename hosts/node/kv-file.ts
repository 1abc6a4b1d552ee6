// The KeyValueStore port backed by one JSON file, for replay counters that outlive a Node run.
// Writes go to a temporary file first and are renamed over the old one, so a crash mid-write
// leaves the previous state rather than a torn file.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { KeyValueStore } from "../../modules/ports/ports.js";

const MAX_KEY_LENGTH = 15;
const MAX_VALUE_LENGTH = 4000;

export class FileKeyValueStore implements KeyValueStore {
  private readonly entries: Record<string, string>;

  constructor(private readonly path: string) {
    this.entries = FileKeyValueStore.load(path);
  }

  read(key: string): string | undefined {
    return Object.prototype.hasOwnProperty.call(this.entries, key) ? this.entries[key] : undefined;
  }

  write(key: string, value: string): void {
    // The device's limits (ESP32 NVS), enforced here so Node runs catch what the device would refuse.
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new RangeError(`key-value store: key length ${key.length}, must be 1..${MAX_KEY_LENGTH}`);
    if (value.length > MAX_VALUE_LENGTH) throw new RangeError(`key-value store: value of ${value.length} characters for key ${key}, limit ${MAX_VALUE_LENGTH}`);
    this.entries[key] = value;
    this.save();
  }

  delete(key: string): void {
    if (!Object.prototype.hasOwnProperty.call(this.entries, key)) return;
    delete this.entries[key];
    this.save();
  }

  private save(): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.entries));
    renameSync(tmp, this.path);
  }

  private static load(path: string): Record<string, string> {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
      throw e;
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`key-value store ${path}: not valid JSON; delete it to start afresh`);
    }
    const out: Record<string, string> = {};
    for (const k of Object.keys(parsed)) {
      const v = parsed[k];
      if (typeof v === "string") out[k] = v;
    }
    return out;
  }
}
