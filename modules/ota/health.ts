// Confirms a freshly installed image only once it has proved itself: a meter frame decoded and
// MQTT connected within the deadline. Otherwise the boot loader is told to roll back, so a
// broken update costs one reboot, not the device. A reset before confirmation also rolls back
// (ESP-IDF aborts an image still pending verification), so a boot loop cannot keep a bad image.
import type { BootControl } from "./ports.js";

export type HealthState = "not-pending" | "waiting" | "confirmed" | "rolled-back";

export interface HealthOptions {
  /** How long a new image has to prove itself, in ms (default 5 minutes). */
  deadlineMs?: number;
  /** Require a decoded frame (default true). */
  needFrame?: boolean;
  /** Require an MQTT connection (default true). */
  needMqtt?: boolean;
}

export const DEFAULT_HEALTH_DEADLINE_MS = 5 * 60 * 1000;

export class HealthCheck {
  private stateValue: HealthState = "not-pending";
  private startedAt = 0;
  private frameSeen = false;
  private mqttSeen = false;
  private readonly deadlineMs: number;
  private readonly needFrame: boolean;
  private readonly needMqtt: boolean;

  constructor(private readonly boot: BootControl, options: HealthOptions = {}) {
    this.deadlineMs = options.deadlineMs ?? DEFAULT_HEALTH_DEADLINE_MS;
    this.needFrame = options.needFrame ?? true;
    this.needMqtt = options.needMqtt ?? true;
  }

  get state(): HealthState {
    return this.stateValue;
  }

  /** Called once at boot with the host's monotonic time. */
  start(nowMs: number): void {
    this.startedAt = nowMs;
    this.stateValue = this.boot.pendingVerify() ? "waiting" : "not-pending";
    this.settle(nowMs);
  }

  /** A frame decoded with ok:true. */
  frameDecoded(nowMs: number): void {
    this.frameSeen = true;
    this.settle(nowMs);
  }

  mqttConnected(nowMs: number): void {
    this.mqttSeen = true;
    this.settle(nowMs);
  }

  tick(nowMs: number): void {
    this.settle(nowMs);
  }

  /** Milliseconds left before a rollback, or undefined when nothing is pending. */
  remainingMs(nowMs: number): number | undefined {
    return this.stateValue === "waiting" ? Math.max(0, this.startedAt + this.deadlineMs - nowMs) : undefined;
  }

  private settle(nowMs: number): void {
    if (this.stateValue !== "waiting") return;
    if ((this.frameSeen || !this.needFrame) && (this.mqttSeen || !this.needMqtt)) {
      this.stateValue = "confirmed";
      this.boot.markValid();
    } else if (nowMs - this.startedAt >= this.deadlineMs) {
      this.stateValue = "rolled-back";
      this.boot.rollback();
    }
  }
}
