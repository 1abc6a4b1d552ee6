// When to (re)connect the station and when to open the configuration access point. Pure TS: the
// host feeds it events and a monotonic clock and carries out what tick() returns.

export interface WifiPolicyOptions {
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Without a connection for this long, the access point opens (default 10 min). */
  portalAfterMs?: number;
}

export type WifiAction = "connect" | "open-portal" | "close-portal";

export class WifiPolicy {
  private online = false;
  private portalOpen = false;
  private nextAttempt = 0;
  private backoff: number;
  private offlineSince = 0;
  attempts = 0;

  constructor(private hasCredentials: boolean, private readonly options: WifiPolicyOptions = {}) {
    this.backoff = options.minBackoffMs ?? 2000;
  }

  get portal(): boolean {
    return this.portalOpen;
  }

  get connected(): boolean {
    return this.online;
  }

  start(nowMs: number): void {
    this.offlineSince = nowMs;
    this.nextAttempt = nowMs;
  }

  /** New credentials were saved: try them at once. */
  credentialsChanged(hasCredentials: boolean, nowMs: number): void {
    this.hasCredentials = hasCredentials;
    this.backoff = this.options.minBackoffMs ?? 2000;
    this.nextAttempt = nowMs;
  }

  gotIP(): void {
    this.online = true;
    this.backoff = this.options.minBackoffMs ?? 2000;
  }

  lostConnection(nowMs: number): void {
    if (this.online) this.offlineSince = nowMs;
    this.online = false;
    this.nextAttempt = Math.max(this.nextAttempt, nowMs + this.backoff);
  }

  /** What to do now; the host calls it every tick and carries out each action returned. */
  tick(nowMs: number): WifiAction[] {
    const actions: WifiAction[] = [];
    if (this.online) {
      if (this.portalOpen) {
        this.portalOpen = false;
        actions.push("close-portal");
      }
      return actions;
    }
    const longFailure = nowMs - this.offlineSince >= (this.options.portalAfterMs ?? 600_000);
    if (!this.portalOpen && (!this.hasCredentials || longFailure)) {
      this.portalOpen = true;
      actions.push("open-portal");
    }
    if (this.hasCredentials && nowMs >= this.nextAttempt) {
      this.attempts++;
      this.nextAttempt = nowMs + this.backoff;
      this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs ?? 300_000);
      actions.push("connect");
    }
    return actions;
  }
}
