// The StreamSocket port over Moddable's `socket` and, for TLS, `securesocket` (the SDK's own TLS
// 1.2 in JS). The SDK's certificate manager verifies the chain against `ca` (the user's CA, from
// the settings page) or the root resources built in (manifest `resources`), and the host name
// against the certificate's subjectAltName. The legacy sockets refuse a write larger than their
// free space, so this queues what does not fit and sends it on the writable callbacks.
import { Socket } from "socket";
import SecureSocket from "securesocket";
import type { OpenStreamSocket, StreamSocket } from "../../modules/ports/ports.js";

const CONNECTED = 1;
const READABLE = 2;
const WRITABLE = 3;
const DISCONNECTED = -1;

interface LegacySocket {
  callback: (message: number, value?: number) => void;
  read(): number;
  read(type: typeof ArrayBuffer): ArrayBuffer;
  write(): number;
  write(data: ArrayBuffer): void;
  close(): void;
}

/**
 * SecureSocket swallows the handshake's exception and reports a bare error: this one keeps the
 * reason, and whether TCP came up at all, so a refused port, a TLS alert and a certificate the
 * CA did not sign read differently in the log.
 */
class TracedSecureSocket extends (SecureSocket as unknown as new (dict: object) => { sock?: LegacySocket; messageHandler(n: number): void }) {
  tcpUp = false;
  failure?: string;
  constructor(dict: object) {
    super(dict);
    const inner = this.sock!;
    const handle = inner.callback;
    inner.callback = (message, value) => {
      if (message === CONNECTED) this.tcpUp = true;
      handle(message, value);
    };
  }
  override messageHandler(bytes: number): void {
    try {
      super.messageHandler(bytes);
    } catch (e) {
      this.failure ??= (e as Error).message;
      throw e;
    }
  }
}

function openSecure(host: string, port: number, ca?: ArrayBuffer): LegacySocket {
  const secure = { protocolVersion: 0x0303, verify: true, ...(ca ? { certificate: ca } : {}) };
  return new TracedSecureSocket({ host, port, noDelay: true, secure }) as unknown as LegacySocket;
}

function handshakeFailure(host: string, s: TracedSecureSocket): string {
  if (!s.tcpUp) return "cannot connect (TCP)";
  const why = s.failure ?? "connection closed";
  // The SDK's verify says only "auth err"; its reasons go to trace, not to the caller.
  const hint = /certificate: auth err|date validation/.test(why)
    ? ": certificate not signed by a trusted CA, expired, not for this host name, or the clock is not set"
    : "";
  return `TLS handshake with ${host} failed (${why})${hint}`;
}

/** `ca`: DER of the one CA trusted besides the built-in roots. */
export function moddableSocket(ca?: ArrayBuffer): OpenStreamSocket {
  return (target, cb): StreamSocket => {
    const { host, port, secure } = target;
    const queue: Uint8Array[] = [];
    let up = false;
    let ended = false;
    // SecureSocket holds decrypted bytes only during its readable callback.
    let readable = false;
    const sock: LegacySocket = secure
      ? openSecure(host, port, ca)
      : (new Socket({ host, port, noDelay: true }) as unknown as LegacySocket);
    const flush = () => {
      while (queue.length && !ended) {
        const room = sock.write();
        if (room <= 0) return;
        const head = queue[0];
        const n = Math.min(room, head.length);
        // A packet that fits whole goes as its own buffer; a part is copied out.
        const whole = n === head.length && head.byteOffset === 0 && head.byteLength === head.buffer.byteLength;
        sock.write((whole ? head.buffer : head.slice(0, n).buffer) as ArrayBuffer);
        if (n === head.length) queue.shift();
        else queue[0] = head.subarray(n);
      }
    };
    const end = (message: string) => {
      if (ended) return;
      ended = true;
      cb.onError(message);
    };
    sock.callback = (message, value) => {
      if (ended) return;
      if (message === CONNECTED) {
        up = true;
        cb.onWritable(sock.write());
      } else if (message === READABLE) {
        readable = true;
        try {
          cb.onReadable(value ?? 0);
        } finally {
          readable = false;
        }
      } else if (message === WRITABLE) {
        flush();
        if (up && !queue.length) cb.onWritable(value ?? 0);
      } else if (message === DISCONNECTED) end("connection closed by the peer");
      else if (secure && !up) end(handshakeFailure(host, sock as unknown as TracedSecureSocket));
      else end("network error");
    };
    return {
      read() {
        if (!readable || ended || !sock.read()) return undefined;
        return sock.read(ArrayBuffer);
      },
      write(bytes) {
        queue.push(bytes);
        flush();
      },
      get queued() {
        // Asked before every publish: an index loop, no iterator object to collect.
        let n = 0;
        for (let i = 0; i < queue.length; i++) n += queue[i].length;
        return n;
      },
      close() {
        ended = true;
        sock.close();
      },
    };
  };
}
