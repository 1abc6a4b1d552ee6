// The `<base>/state` message: one flat JSON object per validated frame, keys as in quantities.ts.
import type { Reading } from "../reading/model.js";
import type { Quantity } from "./quantities.js";

export function stateJson(r: Reading, qs: readonly Quantity[]): string {
  const out: Record<string, unknown> = { time: r.time, meter_id: r.meterId };
  for (const q of qs) {
    out[q.key] = q.value;
    if (q.time !== undefined) out[`${q.key}_time`] = q.time;
  }
  return JSON.stringify(out);
}
