// A simulated ESP32 with two app slots and ESP-IDF's app-rollback rules, for the OTA tests:
// otadata names the boot slot and its state; a new image boots once as PENDING_VERIFY; a reset
// while pending aborts it and the other slot boots; only complete() (esp_ota_end +
// esp_ota_set_boot_partition) changes otadata. NVS and the history partition are separate.
import type { BootControl, OtaSink } from "../modules/ota/ports.js";

export type SlotState = "new" | "pending" | "valid" | "invalid" | "aborted";

interface Slot {
  image: Uint8Array | null;
  state: SlotState;
}

export class SimulatedEsp32 {
  readonly slots: Slot[];
  /** otadata: the slot the boot loader tries first. */
  private bootSlot = 0;
  running = 0;
  boots = 0;
  erases = 0;
  readonly nvs = new Map<string, string>();
  readonly history: Uint8Array;
  private writing: { slot: number; expected: number; buf: Uint8Array; at: number } | null = null;

  constructor(firstImage: Uint8Array, readonly slotSize = 1 << 20) {
    this.slots = [{ image: firstImage, state: "valid" }, { image: null, state: "invalid" }];
    this.history = new Uint8Array(4096).fill(0xa5);
  }

  get runningImage(): Uint8Array {
    return this.slots[this.running].image!;
  }

  /** The update slot, like Moddable's `ota` module over esp_ota_begin/write/end. */
  sink(): OtaSink {
    return {
      begin: (byteLength) => {
        if (this.writing) throw new Error("ota already begun");
        if (byteLength > this.slotSize) throw new Error("image larger than the slot");
        const slot = 1 - this.running;
        this.slots[slot] = { image: null, state: "invalid" }; // erased
        this.erases++;
        this.writing = { slot, expected: byteLength, buf: new Uint8Array(byteLength), at: 0 };
      },
      write: (bytes) => {
        const w = this.writing;
        if (!w) throw new Error("write without begin");
        if (w.at + bytes.length > w.expected) throw new Error("write past the announced length");
        w.buf.set(bytes, w.at);
        w.at += bytes.length;
      },
      complete: () => {
        const w = this.writing;
        if (!w) throw new Error("complete without begin");
        this.writing = null;
        if (w.at !== w.expected || w.buf[0] !== 0xe9) throw new Error("ESP_ERR_OTA_VALIDATE_FAILED");
        this.slots[w.slot] = { image: w.buf, state: "new" };
        this.bootSlot = w.slot;
      },
      cancel: () => {
        this.writing = null;
      },
    };
  }

  bootControl(): BootControl {
    return {
      pendingVerify: () => this.slots[this.running].state === "pending",
      markValid: () => {
        this.slots[this.running].state = "valid";
      },
      rollback: () => {
        this.slots[this.running].state = "invalid";
        this.bootSlot = 1 - this.running;
        this.reset();
      },
    };
  }

  /** A power cut or reset: any write in progress is lost, then the boot loader runs. */
  reset(): void {
    this.writing = null;
    this.boots++;
    let slot = this.bootSlot;
    const s = this.slots[slot];
    if (s.state === "pending") s.state = "aborted"; // reset before the app confirmed itself
    if (s.state === "new") s.state = "pending";
    else if (s.state !== "valid" || !s.image) {
      slot = 1 - slot;
      this.bootSlot = slot;
    }
    if (!this.slots[slot].image) throw new Error("no bootable slot: bricked");
    this.running = slot;
  }
}

/** A plausible app image: ESP-IDF's 0xE9 magic then deterministic pseudo-random bytes. */
export function fakeAppImage(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  out[0] = 0xe9;
  return out;
}
