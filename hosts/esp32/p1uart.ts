// The native P1 UART (p1uart.c) in ECMA-419 serial shape: onReadable(count) and read().
import type { LineSettings } from "./line-detect.js";

export interface P1UartOptions {
  /** UART number; 1 or 2 (UART0 is the console in debug builds). */
  port: number;
  /** RX GPIO. */
  receive: number;
  settings: LineSettings;
  /** Ring buffer bytes (≥ 4096). */
  bufferSize?: number;
  onReadable(count: number): void;
}

export interface UartCounters {
  bytes: number;
  lineErrors: number;
  overruns: number;
}

function lineArgs(s: LineSettings): [number, number, number, boolean] {
  return [s.baud, s.format === "7E1" ? 7 : 8, s.format === "8N1" ? 0 : 2, s.invert];
}

export class P1Uart extends Native("xs_p1uart_destructor") {
  constructor(options: P1UartOptions) {
    super();
    native("xs_p1uart_constructor").call(this, options.port, options.receive, ...lineArgs(options.settings),
      options.bufferSize ?? 8192, (count: number) => options.onReadable(count));
  }

  read(): ArrayBuffer | undefined {
    return native("xs_p1uart_read").call(this);
  }

  configure(settings: LineSettings): void {
    native("xs_p1uart_configure").call(this, ...lineArgs(settings));
  }

  counters(): UartCounters {
    const [bytes, lineErrors, overruns] = native("xs_p1uart_counters").call(this) as number[];
    return { bytes, lineErrors, overruns };
  }

  close(): void {
    native("xs_p1uart_close").call(this);
  }
}
