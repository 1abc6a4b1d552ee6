// What a Moddable host (the ESP32 or the desktop simulator) hands to main.ts.
import type { Firmware, FirmwareConfig, FirmwarePorts } from "../../modules/app/firmware.js";
import type { BootControl } from "../../modules/ota/ports.js";
import type { HealthCheck } from "../../modules/ota/health.js";

export interface MetertapHost {
  ports: FirmwarePorts;
  config: FirmwareConfig;
  /** The running image's rollback state; a host without OTA returns "not pending". */
  boot: BootControl;
  /** How long a new image has to prove itself (default in modules/ota/health.ts). */
  healthDeadlineMs?: number;
  /** Registers host commands (ota, device) and starts Wi-Fi and the local page. */
  attach(fw: Firmware, health: HealthCheck): void;
  /** Called every 250 ms with a monotonic clock (ms since boot). */
  tick(fw: Firmware, monotonicMs: number): void;
}

/** A BootControl for hosts that cannot update themselves: never pending. */
export const NO_ROLLBACK: BootControl = {
  pendingVerify: () => false,
  markValid() {},
  rollback() {},
};
