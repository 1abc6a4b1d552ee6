// Entry-side glue for XS workers: exposes one string → string function as xsnap's handleCommand.
import { latin1 } from "../../modules/util/hex.js";

export function serve(handler: (input: string) => string): void {
  serveBytes((input) => handler(latin1(input)));
}

/** The same for a handler of the command's bytes (a telegram), which need no copy through a string. */
export function serveBytes(handler: (input: Uint8Array) => string): void {
  (globalThis as any).handleCommand = (message: ArrayBuffer): ArrayBuffer => {
    const reply = handler(new Uint8Array(message));
    const out = new Uint8Array(reply.length);
    for (let i = 0; i < reply.length; i++) out[i] = reply.charCodeAt(i) & 0xff;
    return out.buffer;
  };
}
