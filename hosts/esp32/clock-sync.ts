// Sets the wall clock from SNTP once the network is up: TLS checks a certificate's validity
// dates against it, and the chip has no clock that survives a power cut. A failed attempt is
// tried again a minute later.
import SNTP from "sntp";
import Time from "time";

const RETRY_MS = 60_000;

export class ClockSync {
  private set = false;
  private busy = false;
  private nextAt = 0;

  constructor(private readonly server: string, private readonly log: (line: string) => void) {}

  /** Call while the network has an address; asks the server when the clock is not yet set. */
  tick(monotonicMs: number): void {
    if (this.set || this.busy || monotonicMs < this.nextAt) return;
    this.busy = true;
    new SNTP({ host: this.server }, (message: number, value?: number) => {
      if (message === SNTP.time && value) {
        Time.set(value);
        this.set = true;
        this.busy = false;
        this.log(`time: set from ${this.server}`);
      } else if (message === SNTP.error) {
        this.busy = false;
        this.nextAt = monotonicMs + RETRY_MS;
        this.log(`time: no answer from ${this.server}`);
      }
    });
  }
}
