// The meter line on the ESP32: the native UART, the DSMR data-request (RTS) pin, and the line
// auto-detect, which the host ticks with the decoder's count of accepted frames.
import Digital from "embedded:io/digital";
import Time from "time";
import type { ByteSource, KeyValueStore, OpenByteSource } from "../../modules/ports/ports.js";
import { LineDetector, settingsKey } from "./line-detect.js";
import { P1Uart } from "./p1uart.js";
import type { UartCounters } from "./p1uart.js";

export interface MeterLineOptions {
  uart: number;
  rxPin: number;
  /** GPIO driving P1 "data request" (through a transistor to 5 V); undefined when wired high. */
  rtsPin?: number;
  store: KeyValueStore;
  log(line: string): void;
}

export class MeterLine {
  private uart?: P1Uart;
  private rts?: Digital;
  private readonly detector: LineDetector;
  private okFrames = 0;

  constructor(private readonly options: MeterLineOptions) {
    this.detector = new LineDetector({
      store: options.store,
      apply: (s) => {
        this.uart?.configure(s);
        options.log(`line: trying ${settingsKey(s)}`);
      },
    });
  }

  readonly open: OpenByteSource = (callbacks): ByteSource => {
    const o = this.options;
    if (o.rtsPin !== undefined) {
      this.rts = new Digital({ pin: o.rtsPin, mode: Digital.Output });
      this.rts.write(1);
    }
    this.uart = new P1Uart({ port: o.uart, receive: o.rxPin, settings: this.detector.current, onReadable: (n) => callbacks.onReadable(n) });
    const c = this.uart.counters();
    this.detector.start(Time.ticks, { bytes: c.bytes, okFrames: this.okFrames, lineErrors: c.lineErrors });
    return {
      read: () => this.uart?.read(),
      close: () => {
        this.uart?.close();
        this.uart = undefined;
        this.rts?.write(0);
        this.rts?.close();
        this.rts = undefined;
      },
    };
  };

  get counters(): UartCounters {
    return this.uart?.counters() ?? { bytes: 0, lineErrors: 0, overruns: 0 };
  }

  get settings(): string {
    return `${settingsKey(this.detector.current)} (${this.detector.state})`;
  }

  /** `okFrames`: the decoder's count of accepted frames. */
  tick(monotonicMs: number, okFrames: number): void {
    this.okFrames = okFrames;
    if (!this.uart) return;
    const c = this.counters;
    this.detector.tick(monotonicMs, { bytes: c.bytes, okFrames, lineErrors: c.lineErrors });
  }
}
