// KeyValueStore over Moddable's `preference` (NVS on the ESP32, a JSON file in the simulator).
// Strings only; the ESP32 limits (key ≤ 15 characters, value ≤ 4000 bytes) are enforced on
// every platform so the simulator refuses what the device would.
import Preference from "preference";
import type { KeyValueStore } from "../../modules/ports/ports.js";

export const DOMAIN = "metertap";

export class PreferenceStore implements KeyValueStore {
  constructor(private readonly domain = DOMAIN) {}

  read(key: string): string | undefined {
    const v = Preference.get(this.domain, key);
    return typeof v === "string" ? v : undefined;
  }

  write(key: string, value: string): void {
    if (key.length === 0 || key.length > 15) throw new RangeError("preference key must be 1..15 characters");
    if (value.length > 4000) throw new RangeError("preference value over 4000 bytes");
    Preference.set(this.domain, key, value);
  }

  delete(key: string): void {
    Preference.delete(this.domain, key);
  }
}
