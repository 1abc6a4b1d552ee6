// The local page: settings (Wi-Fi, MQTT, meter keys, time zone) and a signed-firmware upload,
// served by Moddable's http Server on the LAN and on the configuration access point. Any other
// path redirects to "/", which is what phones' captive-portal checks need. When a command secret
// is set, saving and uploading need it (form field `auth`, header `x-secret`).
import { Server } from "http";
import type { KeyValueStore } from "../../modules/ports/ports.js";
import type { OtaUpdater, OtaResult } from "../../modules/ota/updater.js";
import { loadSettings, parseForm, renderPage, saveForm } from "../../modules/web/settings.js";
import type { SaveResult } from "../../modules/web/settings.js";

export interface PortalOptions {
  port?: number;
  store: KeyValueStore;
  /** Facts shown on the page (counters, versions): never secrets. */
  status(): Record<string, string | number>;
  /** Settings were saved. */
  onSaved(result: SaveResult): void;
  /** A fresh OtaUpdater for an upload, or undefined when this host cannot update. */
  updater?(): OtaUpdater | undefined;
  onUpdated?(result: OtaResult): void;
  log(line: string): void;
}

const MAX_FORM = 8192;

interface Exchange {
  path: string;
  method: string;
  secret?: string;
  updater?: OtaUpdater;
  status: number;
  body: string;
  type: string;
  location?: string;
  /** The response body, sent in pieces as the socket has room (the server writes one piece at a time). */
  out?: ArrayBuffer;
  sent: number;
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined || a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export class Portal {
  private server?: Server;
  private readonly exchanges = new Map<object, Exchange>();

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
    let x = this.exchanges.get(request);
    switch (message) {
      case Server.status:
        this.exchanges.set(request, { path: String(val1).split("?")[0], method: String(val2), status: 200, body: "", type: "text/html", sent: 0 });
        return;
      case Server.header:
        if (x && String(val1).toLowerCase() === "x-secret") x.secret = String(val2);
        return;
      case Server.headersComplete:
        if (!x) return false;
        if (x.method === "POST" && x.path === "/update") {
          if (!this.authorised(x.secret)) return this.refuse(x, 403, "a command secret is set: send it as x-secret");
          x.updater = o.updater?.();
          if (!x.updater) return this.refuse(x, 503, "no update can start: no OTA key in this build, or one is running");
          x.updater.begin();
          return true; // stream the body through requestFragment
        }
        if (x.method === "POST" && x.path === "/save") return String;
        return false;
      case Server.requestFragment:
        if (x?.updater) x.updater.write(new Uint8Array(request.read(ArrayBuffer)));
        return;
      case Server.requestComplete:
        if (x) this.complete(x, val1);
        return;
      case Server.prepareResponse:
        if (!x) return { status: 500, body: "" };
        if (x.method === "GET" && x.path === "/") x.body = renderPage(loadSettings(o.store), o.status());
        else if (x.method === "GET" || (x.method === "POST" && x.path !== "/save" && x.path !== "/update")) {
          x.status = 302;
          x.location = "/";
        }
        x.out = ArrayBuffer.fromString(x.body);
        return {
          status: x.status,
          headers: ["Content-Type", x.type, "Content-Length", String(x.out.byteLength), "Cache-Control", "no-store", ...(x.location ? ["Location", x.location] : [])],
          body: true,
        };
      case Server.responseFragment: {
        if (!x?.out || x.sent >= x.out.byteLength) return undefined;
        const piece = x.out.slice(x.sent, x.sent + Math.max(1, Number(val1)));
        x.sent += piece.byteLength;
        return piece;
      }
      case Server.responseComplete:
      case Server.error:
        // An upload cut short still reports, so the host can accept the next one.
        if (x?.updater && x.updater.state !== "installed" && x.updater.state !== "failed") o.onUpdated?.(x.updater.abort("upload interrupted"));
        this.exchanges.delete(request);
        return;
    }
  }

  private authorised(secret: string | undefined): boolean {
    const required = this.options.store.read("cmd_secret");
    return required === undefined || sameSecret(secret, required);
  }

  private refuse(x: Exchange, status: number, text: string): false {
    x.status = status;
    x.type = "text/plain";
    x.body = text;
    x.updater = undefined;
    return false;
  }

  private complete(x: Exchange, body: unknown): void {
    const o = this.options;
    if (x.updater) {
      const result = x.updater.finish();
      x.type = "text/plain";
      x.status = result.ok ? 200 : 400;
      x.body = result.ok ? `installed ${result.version}` : `rejected (${result.error}): ${result.message}`;
      o.onUpdated?.(result);
      return;
    }
    if (x.path !== "/save") return;
    const text = typeof body === "string" ? body : "";
    const form = text.length <= MAX_FORM ? parseForm(text) : undefined;
    if (!form) {
      x.status = 400;
      x.body = renderPage(loadSettings(o.store), o.status(), "The form could not be read.");
      return;
    }
    if (!this.authorised(form.auth)) {
      x.status = 403;
      x.body = renderPage(loadSettings(o.store), o.status(), "A command secret is set: enter it in the form's auth field.");
      return;
    }
    const result = saveForm(o.store, form);
    const problems = Object.entries(result.errors).map(([k, v]) => `${k}: ${v}`).join("; ");
    x.status = problems ? 400 : 200;
    x.body = renderPage(loadSettings(o.store), o.status(), problems ? `Not saved: ${problems}` : `Saved ${[...result.saved, ...result.cleared].join(", ") || "nothing"}.`);
    if (!problems) o.onSaved(result);
  }
}
