// OTA on the ESP32: the OtaSink over Moddable's `ota` module, and rollback and device facts
// through XS FFI (ffi/boot.c).
import OTA from "ota";
import FFI from "mc/ffi";
import type { BootControl, OtaSink } from "../../modules/ota/ports.js";

// Made on first use, not at module load: the module is preloaded at build time (manifest.json),
// where no native FFI object can be constructed.
let native: FFI | undefined;
const ffi = (): FFI => (native ??= new FFI());

export class EspOtaSink implements OtaSink {
  private ota?: OTA;

  begin(): void {
    this.cancel();
    this.ota = new OTA();
  }

  write(bytes: Uint8Array): void {
    this.ota!.write(bytes);
  }

  complete(): void {
    const ota = this.ota!;
    this.ota = undefined;
    ota.complete();
  }

  cancel(): void {
    const ota = this.ota;
    this.ota = undefined;
    ota?.cancel();
  }
}

export const espBootControl: BootControl = {
  pendingVerify: () => ffi().metertap_ota_pending() === 1,
  markValid: () => void ffi().metertap_ota_mark_valid(),
  rollback: () => void ffi().metertap_ota_rollback(),
};

export const restart = (): void => void ffi().metertap_restart();

const RESET_REASONS = ["unknown", "power-on", "external", "software", "panic", "interrupt-watchdog",
  "task-watchdog", "watchdog", "deep-sleep", "brownout", "sdio"];

export function deviceFacts(): { heap: number; resetReason: string } {
  return { heap: ffi().metertap_free_heap() as number, resetReason: RESET_REASONS[ffi().metertap_reset_reason() as number] ?? "other" };
}

/** The running app slot: "ota_0", "ota_1", or "factory". */
export function runningSlot(): string {
  const slot = ffi().metertap_ota_slot() as number;
  return slot < 0 ? "factory" : `ota_${slot}`;
}

/** Microseconds since boot, modulo 2^32. */
export const micros = (): number => ffi().metertap_micros() as number;

const hex6 = (n: number) => (n >>> 0).toString(16).padStart(6, "0");

/** The eFuse MAC as 12 hex digits (the device id), and this chip's default meter UART and RX pin. */
export function chipDefaults(): { mac: string; uart: number; rx: number } {
  const high = ffi().metertap_mac_high() as number, low = ffi().metertap_mac_low() as number;
  return { mac: high || low ? hex6(high) + hex6(low) : "esp32", uart: ffi().metertap_p1_uart() as number, rx: ffi().metertap_p1_rx() as number };
}

/** A log line on the console UART in release builds (boot.c). */
export const consoleLine = (line: string): void => void ffi().metertap_console(line);
