// The request and response shapes of the local page and API: what both servers (node:http on a
// desktop, Moddable's http Server on the dongle and simulator) translate to and from. No host types.

export interface WebRequest {
  method: string;
  /** Path without the query, e.g. "/api/v1/data". */
  path: string;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The request body as text (forms, JSON); "" when none. */
  body: string;
}

/** Where a live stream writes: the server sends each piece as it comes. */
export interface EventSink {
  write(text: string): void;
}

export interface WebResponse {
  status: number;
  headers: Record<string, string>;
  /**
   * A string, bytes, or pieces produced on demand (large history downloads: the dongle never holds
   * the whole body). Absent for an event stream.
   */
  body?: string | Uint8Array | Iterable<string>;
  /** Server-Sent Events: called once the headers are out; returns what ends the subscription. */
  events?: (sink: EventSink) => () => void;
}

/** Splits a request target into its path and decoded query parameters. */
export function parseTarget(target: string): { path: string; query: Record<string, string> } {
  const q = target.indexOf("?");
  const query: Record<string, string> = {};
  if (q >= 0) {
    for (const pair of target.slice(q + 1).split("&")) {
      if (!pair) continue;
      const eq = pair.indexOf("=");
      try {
        query[decode(eq < 0 ? pair : pair.slice(0, eq))] = eq < 0 ? "" : decode(pair.slice(eq + 1));
      } catch {
        // A malformed escape drops that parameter only.
      }
    }
  }
  return { path: q >= 0 ? target.slice(0, q) : target, query };
}

function decode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, " "));
}

export function json(value: unknown, status = 200): WebResponse {
  return { status, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: JSON.stringify(value) };
}

export function text(body: string, status = 200, type = "text/plain; charset=utf-8"): WebResponse {
  return { status, headers: { "content-type": type, "cache-control": "no-store" }, body };
}
