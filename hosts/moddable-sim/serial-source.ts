// The meter line in the simulator: ECMA-419 embedded:io/serial opened on a tty or pty path
// (Linux takes `device` instead of pins; 8N1 only, which a pty ignores anyway).
import Serial from "embedded:io/serial";
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

export function openSerialPath(device: string, baud: number): OpenByteSource {
  return (callbacks): ByteSource => {
    const serial = new LinSerial({
      device,
      baud,
      format: "buffer",
      onReadable: (count) => callbacks.onReadable(count),
      onError: () => callbacks.onError?.(`serial error on ${device}`),
    });
    return {
      read: () => serial.read() as ArrayBuffer | undefined,
      close: () => serial.close(),
    };
  };
}
