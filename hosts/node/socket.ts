// The StreamSocket port over node:net and node:tls, so the core's MQTT client runs on Node (tests,
// bench) exactly as it runs over Moddable's sockets. TLS verifies the chain against `ca` (or
// Node's bundled roots) and the host name; a refusal names the certificate problem.
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { OpenStreamSocket, StreamSocket } from "../../modules/ports/ports.js";

export interface NodeSocketOptions {
  /** PEM CA certificate(s) trusted for TLS, instead of Node's bundled roots. */
  ca?: string | Buffer;
}

export function nodeSocket(options: NodeSocketOptions = {}): OpenStreamSocket {
  return (target, cb): StreamSocket => {
    const { host, port, secure } = target;
    const s: Socket = secure
      ? tlsConnect({ host, port, ca: options.ca, servername: isIP(host) ? undefined : host })
      : netConnect({ host, port });
    s.setNoDelay(true);
    const queue: Buffer[] = [];
    let ended = false;
    const end = (message: string) => {
      if (ended) return;
      ended = true;
      cb.onError(message);
    };
    s.once(secure ? "secureConnect" : "connect", () => cb.onWritable(s.writableHighWaterMark));
    s.on("drain", () => cb.onWritable(s.writableHighWaterMark));
    s.on("data", (b: Buffer) => {
      queue.push(b);
      cb.onReadable(b.length);
    });
    s.on("error", (e: Error & { code?: string }) => end(e.code ? `${e.code}: ${e.message}` : e.message));
    s.on("end", () => end("connection closed by the peer"));
    s.on("close", () => end("connection closed"));
    return {
      read() {
        if (!queue.length) return undefined;
        const b = queue.length === 1 ? queue[0] : Buffer.concat(queue);
        queue.length = 0;
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      },
      write(bytes) {
        s.write(bytes);
      },
      get queued() {
        return s.writableLength;
      },
      close() {
        ended = true;
        s.destroy();
      },
    };
  };
}
