// Which device id the firmware publishes under, stable across runs: the configured id, else the one
// kept in the store, else the first meter id a frame carries (kept at once); a meter that never
// sends one gets a generated id once `waitMs` of id-less frames have passed.
import { topicLevel } from "../publish/topics.js";
import type { BufferedStore } from "./write-behind-store.js";

const IDENTITY_KEY = "identity";

export class DeviceIdentity {
  private firstIdlessAt = -1;

  constructor(private readonly store: BufferedStore, private readonly waitMs: number) {}

  /** The id known before any frame: configured (a device id or the dongle's MAC), or kept. */
  known(deviceId: string | undefined, mac: string | undefined): string | undefined {
    return deviceId ?? (mac ? `metertap-${mac}` : this.store.read(IDENTITY_KEY));
  }

  /** The id a reading settles, written through to the store; undefined while still waiting. */
  fromReading(meterId: string | null, now: number): string | undefined {
    if (meterId === null) {
      if (this.firstIdlessAt < 0) this.firstIdlessAt = now;
      if (now - this.firstIdlessAt < this.waitMs) return undefined;
    }
    const id = topicLevel(meterId ?? `meter-${Math.floor(Math.random() * 0xffffffff).toString(16)}`);
    this.store.write(IDENTITY_KEY, id);
    this.store.flush(now);
    return id;
  }
}
