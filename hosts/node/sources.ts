// `--source` for `metertap run`: file:CAPTURE[,speed=N][,loop] | tcp:HOST:PORT |
// serial:/dev/ttyUSB0[,baud=115200,parity=none|even,data=7|8] | stdin. Each opens an ECMA-419-shaped
// ByteSource (the same shape the dongle's UART has).
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import type { OpenByteSource } from "../../modules/ports/ports.js";
import { QueuedSource } from "./byte-queue.js";

export class UsageError extends Error {}

export type SourceSpec =
  | { kind: "file"; path: string; bytesPerSecond?: number }
  | { kind: "tcp"; host: string; port: number; idleMs?: number }
  | { kind: "serial"; path: string; baudRate: number; parity: "none" | "even"; dataBits: 7 | 8 }
  | { kind: "stdin" };

function options(parts: string[], allowed: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of parts) {
    const eq = p.indexOf("=");
    const name = eq < 0 ? p : p.slice(0, eq);
    if (!allowed.includes(name) || eq < 0) throw new UsageError(`${what}: unknown option '${p}' (options: ${allowed.join(", ")})`);
    out[name] = p.slice(eq + 1);
  }
  return out;
}

function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive integer, got '${text}'`);
  return n;
}

export function parseSourceSpec(text: string): SourceSpec {
  const colon = text.indexOf(":");
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? "" : text.slice(colon + 1);
  switch (kind) {
    case "stdin":
      return { kind: "stdin" };
    case "file": {
      const [path, ...opts] = rest.split(",");
      if (!path) throw new UsageError("file: needs a path, e.g. file:capture.txt");
      const o = options(opts, ["speed"], "file");
      return o.speed ? { kind: "file", path, bytesPerSecond: positiveInt(o.speed, "file speed (bytes/s)") } : { kind: "file", path };
    }
    case "tcp": {
      const m = /^(.+):(\d+)$/.exec(rest);
      if (!m) throw new UsageError("tcp: needs HOST:PORT, e.g. tcp:192.168.1.20:2001");
      const port = positiveInt(m[2], "tcp port");
      if (port > 65535) throw new UsageError(`tcp port must be at most 65535, got ${port}`);
      return { kind: "tcp", host: m[1], port };
    }
    case "serial": {
      const [path, ...opts] = rest.split(",");
      if (!path) throw new UsageError("serial: needs a device, e.g. serial:/dev/ttyUSB0");
      const o = options(opts, ["baud", "parity", "data"], "serial");
      const parity = o.parity ?? "none";
      if (parity !== "none" && parity !== "even") throw new UsageError(`serial parity must be none or even, got '${parity}'`);
      const dataBits = Number(o.data ?? 8);
      if (dataBits !== 7 && dataBits !== 8) throw new UsageError(`serial data bits must be 7 or 8, got '${o.data}'`);
      return { kind: "serial", path, baudRate: positiveInt(o.baud ?? "115200", "serial baud"), parity, dataBits };
    }
    default:
      throw new UsageError(`unknown source '${text}': use file:PATH, tcp:HOST:PORT, serial:DEVICE or stdin`);
  }
}

export interface SourceEvents {
  /** The source has delivered its last byte (end of file or stdin). */
  onEnd(): void;
  log(line: string): void;
}

/** Opens the source; `loop` replays a file forever. */
export function sourceOpener(spec: SourceSpec, events: SourceEvents, loop = false): OpenByteSource {
  switch (spec.kind) {
    case "file":
      return fileSource(spec.path, spec.bytesPerSecond, loop, events);
    case "tcp":
      return tcpSource(spec.host, spec.port, events, spec.idleMs);
    case "serial":
      return serialSource(spec, events);
    case "stdin":
      return (callbacks) => {
        const q = new QueuedSource(callbacks, () => process.stdin.pause());
        process.stdin.on("data", (b: Buffer) => q.deliver(new Uint8Array(b)));
        process.stdin.on("end", () => events.onEnd());
        return q;
      };
  }
}

function fileSource(path: string, bytesPerSecond: number | undefined, loop: boolean, events: SourceEvents): OpenByteSource {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`cannot read capture '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return (callbacks) => {
    let at = 0;
    let timer: NodeJS.Timeout | undefined;
    const q = new QueuedSource(callbacks, () => clearTimeout(timer));
    // Without a speed, as fast as the pipeline takes it, yielding to the event loop between chunks.
    const interval = bytesPerSecond ? 50 : 0;
    const chunk = bytesPerSecond ? Math.max(1, Math.round(bytesPerSecond / 20)) : 4096;
    const step = (): void => {
      if (at >= bytes.length && loop && bytes.length) at = 0;
      if (at >= bytes.length) {
        events.onEnd();
        return;
      }
      q.deliver(bytes.subarray(at, at + chunk));
      at += chunk;
      timer = setTimeout(step, interval);
    };
    timer = setTimeout(step, 0);
    return q;
  };
}

/** How long a TCP bridge may stay silent before the socket is dropped and opened again (default 30 s). */
export const TCP_IDLE_MS = 30_000;
/** One line per distinct error, then at most one a minute, with how many were not shown. */
const ERROR_LOG_MS = 60_000;

function tcpSource(host: string, port: number, events: SourceEvents, idleMs = TCP_IDLE_MS): OpenByteSource {
  return (callbacks) => {
    let socket: Socket | undefined;
    let closed = false;
    let retry: NodeJS.Timeout | undefined;
    let lastError = "";
    let lastErrorAt = -Infinity;
    let suppressed = 0;
    const q = new QueuedSource(callbacks, () => {
      closed = true;
      clearTimeout(retry);
      socket?.destroy();
    });
    const report = (message: string): void => {
      const now = Date.now();
      if (message === lastError && now - lastErrorAt < ERROR_LOG_MS) {
        suppressed++;
        return;
      }
      q.error(suppressed ? `${message} (${suppressed} more since the last report)` : message);
      lastError = message;
      lastErrorAt = now;
      suppressed = 0;
    };
    const open = (): void => {
      const s = connect({ host, port });
      socket = s;
      let failed = false;
      s.on("connect", () => {
        lastError = "";
        suppressed = 0;
        events.log(`source: connected to ${host}:${port}`);
      });
      s.on("data", (b: Buffer) => q.deliver(new Uint8Array(b)));
      s.on("error", (e: NodeJS.ErrnoException) => {
        failed = true;
        report(`tcp ${host}:${port}: ${e.code ?? e.message}`);
      });
      // A bridge that accepts and then stays silent (or a half-open connection) is not a link.
      s.setTimeout(idleMs, () => {
        failed = true;
        events.log(`source: no data from ${host}:${port} for ${idleMs / 1000} s; reconnecting`);
        s.destroy();
      });
      // A serial-to-TCP bridge restarts now and then: reconnect rather than give up.
      s.on("close", () => {
        if (closed) return;
        if (!failed) events.log(`source: ${host}:${port} closed the connection; reconnecting`);
        retry = setTimeout(open, 2000);
      });
    };
    open();
    return q;
  };
}

function serialSource(spec: Extract<SourceSpec, { kind: "serial" }>, events: SourceEvents): OpenByteSource {
  return (callbacks) => {
    let port: { close(): void } | undefined;
    const q = new QueuedSource(callbacks, () => port?.close());
    // Loaded on demand: the native binding is only needed for a real cable.
    import("serialport").then(({ SerialPort }) => {
      const p = new SerialPort({ path: spec.path, baudRate: spec.baudRate, parity: spec.parity, dataBits: spec.dataBits }, (err) => {
        if (err) q.error(`serial ${spec.path}: ${err.message}`);
        else events.log(`source: ${spec.path} open at ${spec.baudRate} baud`);
      });
      p.on("data", (b: Buffer) => q.deliver(new Uint8Array(b)));
      p.on("error", (e: Error) => q.error(`serial ${spec.path}: ${e.message}`));
      port = p;
    }, (e: Error) => q.error(`serial support unavailable: ${e.message}`));
    return q;
  };
}
