// The meter line in the simulator: ECMA-419 embedded:io/serial opened on a tty or pty path
// (Linux takes `device` instead of pins; 8N1 only, which a pty ignores anyway).
import Serial from "embedded:io/serial";
import Timer from "timer";
import type { ByteSource, OpenByteSource } from "../../modules/ports/ports.js";

interface LinSerialOptions {
  device: string;
  baud: number;
  format: "buffer";
  onReadable(this: Serial, count: number): void;
  onError?(this: Serial): void;
}

// @moddable/typings declares the pin-based constructor of the devices only.
const LinSerial = Serial as unknown as new (options: LinSerialOptions) => Serial;

const RETRY_MS = 2000;

/** A path that cannot be opened yet (no meter plugged in, no pty made) is tried again every 2 s. */
export function openSerialPath(device: string, baud: number): OpenByteSource {
  return (callbacks): ByteSource => {
    let serial: Serial | undefined;
    let retry: Timer | undefined;
    const open = () => {
      try {
        serial = new LinSerial({
          device,
          baud,
          format: "buffer",
          onReadable: (count) => callbacks.onReadable(count),
          onError: () => callbacks.onError?.(`serial error on ${device}`),
        });
      } catch (e) {
        if (!retry) {
          callbacks.onError?.(`cannot open ${device} (${(e as Error).message}); trying again every ${RETRY_MS / 1000} s`);
          retry = Timer.repeat(open, RETRY_MS);
        }
        return;
      }
      if (retry) Timer.clear(retry);
      retry = undefined;
    };
    open();
    return {
      read: () => serial?.read() as ArrayBuffer | undefined,
      close: () => {
        if (retry) Timer.clear(retry);
        serial?.close();
      },
    };
  };
}
