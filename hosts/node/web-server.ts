// Serves the core's route table (modules/web/app.ts) with node:http, and advertises the
// HomeWizard API as `_hwenergy._tcp` over mDNS (bonjour-service) when listening beyond loopback.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseTarget, type WebRequest } from "../../modules/web/http.js";
import type { WebApp } from "../../modules/web/app.js";

/** Request bodies (settings forms) are small; anything larger is refused. */
const MAX_BODY = 16 * 1024;

export interface WebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface WebServerOptions {
  host: string;
  port: number;
  /** mDNS TXT facts; advertised only when `host` is not a loopback address. */
  advertise?: { name: string; serial: string };
}

export async function startWebServer(app: Pick<WebApp, "handle">, o: WebServerOptions): Promise<WebServer> {
  const server = createServer((req, res) => void serve(app, req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const loopback = o.host === "localhost" || o.host.startsWith("127.") || o.host === "::1";
  // Loaded only when advertising: the common loopback start stays quick.
  const bonjour = o.advertise && !loopback ? new (await import("bonjour-service")).Bonjour() : undefined;
  bonjour?.publish({
    name: o.advertise!.name, type: "hwenergy", protocol: "tcp", port,
    txt: { api_enabled: "1", path: "/api/v1", serial: o.advertise!.serial, product_name: "P1 meter", product_type: "HWE-P1" },
  });
  const shown = o.host === "0.0.0.0" || o.host === "::" ? "127.0.0.1" : o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    async close() {
      if (bonjour) await new Promise<void>((r) => bonjour.unpublishAll(() => { bonjour.destroy(); r(); }));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function serve(app: Pick<WebApp, "handle">, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > MAX_BODY) {
      res.writeHead(413, { "content-type": "text/plain" }).end("request too large\n");
      return;
    }
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
  const { path, query } = parseTarget(req.url ?? "/");
  const request: WebRequest = { method: req.method ?? "GET", path, query, headers, body };
  let r;
  try {
    r = app.handle(request);
  } catch (e) {
    res.writeHead(500, { "content-type": "text/plain" }).end(`internal error: ${(e as Error).message}\n`);
    return;
  }
  res.writeHead(r.status, r.headers);
  if (r.events) {
    res.flushHeaders();
    const stop = r.events({ write: (t) => void res.write(t) });
    req.socket.once("close", stop);
    return;
  }
  if (request.method === "HEAD" || r.body === undefined) res.end();
  else if (typeof r.body === "string" || r.body instanceof Uint8Array) res.end(r.body);
  else {
    for (const piece of r.body) {
      // Backpressure: a slow client holds the generator, not the whole body.
      if (!res.write(piece)) await new Promise((resolve) => res.once("drain", resolve));
    }
    res.end();
  }
}
