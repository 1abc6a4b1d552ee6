// Live values for the page: a compact JSON of each validated reading, pushed to every open
// Server-Sent Events stream within the telegram's own turn of the event loop.
import type { Reading } from "../reading/model.js";
import type { EventSink } from "./http.js";

/** What the page shows of a reading: the reading without its raw OBIS map and meter log. */
export function liveReading(r: Reading): Record<string, unknown> {
  const out: Record<string, unknown> = {
    protocol: r.protocol, meterId: r.meterId, time: r.time, tariff: r.tariff,
    energy: r.energy, power: r.power, voltage: r.voltage, current: r.current, subMeters: r.subMeters,
  };
  if (r.demand) out.demand = r.demand;
  return out;
}

/** Open event streams; each message goes to all of them. */
export class LiveHub {
  private readonly sinks: EventSink[] = [];

  get size(): number {
    return this.sinks.length;
  }

  add(sink: EventSink, first?: string): () => void {
    this.sinks.push(sink);
    // A comment line first: the browser sees the stream open before the next telegram.
    sink.write(": metertap\n\n" + (first ? frame(first) : ""));
    return () => {
      const i = this.sinks.indexOf(sink);
      if (i >= 0) this.sinks.splice(i, 1);
    };
  }

  send(data: string): void {
    const text = frame(data);
    for (const s of this.sinks.slice()) s.write(text);
  }
}

function frame(data: string): string {
  return `data: ${data}\n\n`;
}
