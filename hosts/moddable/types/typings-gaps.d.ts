// What @moddable/typings 5.6.0 (npm) lacks and the SDK's own typings (8.x) declare. Used only by
// tsconfig.device.json; an mcconfig build uses the SDK's typings instead, so this file is not in
// manifest.json (declaring these twice there would clash).

/** The SDK's xs.d.ts ByteBuffer: what native byte APIs accept (no other typed arrays). */
type ByteBuffer = ArrayBuffer | SharedArrayBuffer | HostBuffer | Uint8Array | Uint8ClampedArray | Int8Array | DataView;

declare function Native(name: string): new (...args: any[]) => any;
declare function native(name: string): (...args: any[]) => any;

interface StringConstructor {
  fromArrayBuffer(buffer: ArrayBuffer): string;
}

interface ArrayBufferConstructor {
  fromString(text: string): ArrayBuffer;
}

declare module "embedded:storage/flash" {
  export interface FlashPartition {
    read(byteLength: number, byteOffset: number): ArrayBuffer;
    write(buffer: ByteBuffer, byteOffset: number): void;
    eraseBlock(start: number, end?: number): void;
    status(): { size: number; blockLength: number; blocks: number };
    close(): void;
    readonly format: "buffer";
  }
  const flash: { open(options: { path: string; mode?: "r" | "r+" }): FlashPartition };
  export default flash;
}

declare module "mc/ffi" {
  // mcconfig generates the exact typing (mc.ffi.d.ts) from manifest.json "ffi.functions".
  interface FFI {
    [name: string]: (...args: any[]) => any;
  }
  const FFI: { new (): FFI };
  export default FFI;
}
