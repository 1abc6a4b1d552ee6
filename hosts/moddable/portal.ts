// The local page on the dongle and the simulator: the core's route table (modules/web/app.ts)
// served by Moddable's http Server, on the LAN and on the configuration access point. Two things
// are host-side: the signed-firmware upload (POST /update streams into the updater, never held in
// RAM) and the live event stream, whose socket is detached from the server (the Server ends a
// chunked body the first time it has nothing to send). With `captive`, unknown GETs redirect to
// "/", which is what phones' captive-portal checks need.
import { Server } from "http";
import type { WebApp } from "../../modules/web/app.js";
import { parseTarget, type WebResponse } from "../../modules/web/http.js";
import type { OtaUpdater, OtaResult } from "../../modules/ota/updater.js";

export interface PortalOptions {
  port?: number;
  app: WebApp;
  /** The command secret, when one is set: uploads need it as header `x-secret`. */
  secret(): string | undefined;
  /** A fresh OtaUpdater for an upload, or undefined when this host cannot update. */
  updater?(): OtaUpdater | undefined;
  onUpdated?(result: OtaResult): void;
  captive?: boolean;
  log(line: string): void;
}

/** What the server hands over after `detach`: the legacy socket. */
interface RawSocket {
  read(): number;
  read(type: null, count: number): void;
  write(...parts: (string | ArrayBuffer)[]): number;
  close(): void;
  callback?: (message: number, value?: number) => void;
}

interface Exchange {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: string;
  updater?: OtaUpdater;
  /** A reply made here (uploads, refusals) instead of by the route table. */
  reply?: WebResponse;
  out?: Uint8Array;
  pieces?: Iterator<string>;
  pending?: Uint8Array;
  sent: number;
}

const utf8 = (s: string) => new Uint8Array(ArrayBuffer.fromString(s));

function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const plain = (status: number, text: string): WebResponse => ({ status, headers: { "content-type": "text/plain" }, body: text });

export class Portal {
  private server?: Server;
  private readonly exchanges = new Map<object, Exchange>();
  /** Event messages not sent because a socket had no room (the next telegram supersedes them). */
  dropped = 0;

  constructor(private readonly options: PortalOptions) {}

  start(): void {
    if (this.server) return;
    const portal = this;
    this.server = new Server({ port: this.options.port ?? 80 });
    this.server.callback = function (message, val1, val2) {
      return portal.handle(this, message as number, val1, val2);
    };
  }

  stop(): void {
    this.server?.close();
    this.server = undefined;
  }

  private handle(request: any, message: number, val1: any, val2: any): any {
    const o = this.options;
    const x = this.exchanges.get(request);
    switch (message) {
      case Server.status: {
        const exchange: Exchange = { method: String(val2), target: String(val1), headers: {}, body: "", sent: 0 };
        if (exchange.method === "GET" && parseTarget(exchange.target).path === "/events") return this.events(request, exchange);
        this.exchanges.set(request, exchange);
        return;
      }
      case Server.header:
        if (x) x.headers[String(val1).toLowerCase()] = String(val2);
        return;
      case Server.headersComplete:
        if (!x) return false;
        if (x.method === "POST" && parseTarget(x.target).path === "/update") return this.beginUpload(x);
        return x.method === "POST" ? String : false;
      case Server.requestFragment:
        if (x?.updater) x.updater.write(new Uint8Array(request.read(ArrayBuffer)));
        return;
      case Server.requestComplete:
        if (x?.updater) {
          const result = x.updater.finish();
          x.reply = plain(result.ok ? 200 : 400, result.ok ? `installed ${result.version}` : `rejected (${result.error}): ${result.message}`);
          o.onUpdated?.(result);
        } else if (x && typeof val1 === "string") x.body = val1;
        return;
      case Server.prepareResponse:
        return x ? this.respond(x) : { status: 500, body: "" };
      case Server.responseFragment:
        return x ? this.piece(x, Math.max(1, Number(val1))) : undefined;
      case Server.responseComplete:
      case Server.error:
        // An upload cut short still reports, so the host can accept the next one.
        if (x?.updater && x.updater.state !== "installed" && x.updater.state !== "failed") o.onUpdated?.(x.updater.abort("upload interrupted"));
        this.exchanges.delete(request);
        return;
    }
  }

  private beginUpload(x: Exchange): boolean {
    const secret = this.options.secret();
    if (secret !== undefined && !sameSecret(x.headers["x-secret"], secret)) {
      x.reply = plain(403, "a command secret is set: send it as x-secret");
      return false;
    }
    x.updater = this.options.updater?.();
    if (!x.updater) {
      x.reply = plain(503, "no update can start: no OTA key in this build, or one is running");
      return false;
    }
    x.updater.begin();
    return true; // stream the body through requestFragment
  }

  private respond(x: Exchange): { status: number; headers: string[]; body: true } {
    const { path, query } = parseTarget(x.target);
    let r = x.reply ?? this.options.app.handle({ method: x.method, path, query, headers: x.headers, body: x.body });
    if (r.status === 404 && x.method === "GET" && this.options.captive) r = { status: 302, headers: { location: "/" }, body: "" };
    const headers: string[] = [];
    for (const k of Object.keys(r.headers)) headers.push(k, r.headers[k]);
    if (typeof r.body === "string") x.out = utf8(r.body);
    else if (r.body instanceof Uint8Array) x.out = r.body;
    else if (r.body) x.pieces = r.body[Symbol.iterator]();
    // Known lengths go out as they are; generated bodies chunked.
    if (!x.pieces) headers.push("content-length", String(x.out?.byteLength ?? 0));
    return { status: r.status, headers, body: true };
  }

  /** The next part of the body that fits in `room` bytes, or undefined when all is sent. */
  private piece(x: Exchange, room: number): ArrayBuffer | undefined {
    while (x.pieces && !(x.pending && x.sent < x.pending.byteLength)) {
      const next = x.pieces.next();
      if (next.done) x.pieces = undefined;
      else {
        x.pending = utf8(next.value);
        x.sent = 0;
      }
    }
    const src = x.pending ?? x.out;
    if (!src || x.sent >= src.byteLength) return undefined;
    const part = src.slice(x.sent, x.sent + room);
    x.sent += part.byteLength;
    return part.buffer as ArrayBuffer;
  }

  /** GET /events: the server lets go of the socket; the stream is plain writes until it closes. */
  private events(request: any, x: Exchange): void {
    const socket = (this.server as unknown as { detach(r: object): RawSocket }).detach(request);
    const { path, query } = parseTarget(x.target);
    const r = this.options.app.handle({ method: "GET", path, query, headers: {}, body: "" });
    const skip = () => {
      const n = socket.read();
      if (n) socket.read(null, n); // the request's remaining header lines
    };
    skip();
    socket.write(`HTTP/1.1 ${r.status} OK\r\ncontent-type: text/event-stream\r\ncache-control: no-store\r\nconnection: close\r\n\r\n`);
    const stop = r.events?.({
      write: (text) => {
        const bytes = ArrayBuffer.fromString(text);
        if (socket.write() >= bytes.byteLength) socket.write(bytes);
        else this.dropped++;
      },
    });
    socket.callback = (message) => {
      if (message === 2) skip();
      else if (message < 0) {
        stop?.();
        socket.close();
      }
    };
  }
}
