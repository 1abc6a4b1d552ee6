// The terminal view of `metertap run`: one line per validated reading (at most one per second on
// a terminal), and the MQTT hint at start.
import type { Reading } from "../../modules/reading/model.js";

const kwh = (wh: number | undefined): string => (wh === undefined ? "-" : (wh / 1000).toFixed(3));
const watts = (w: number | undefined): string => (w === undefined ? "-" : String(Math.round(w)));

export function readingLine(r: Reading, published: boolean): string {
  const parts = [
    r.time ?? "(no meter time)",
    `import ${watts(r.power.import)} W`,
    `export ${watts(r.power.export)} W`,
    `total +${kwh(r.energy.import)} -${kwh(r.energy.export)} kWh`,
  ];
  const v = r.voltage;
  if (v.l1 !== undefined) parts.push(`${[v.l1, v.l2, v.l3].filter((x) => x !== undefined).join("/")} V`);
  for (const m of r.subMeters) if (m.value !== null) parts.push(`${m.type} ${m.value} ${m.unit ?? ""}`.trim());
  parts.push(published ? "published" : "recorded, not published (MQTT not connected)");
  return parts.join("  ");
}

/** Throttles the live lines so a fast replay does not flood the terminal. */
export function liveDisplay(write: (line: string) => void, minIntervalMs = 1000): (r: Reading, published: boolean) => void {
  let last = 0;
  return (r, published) => {
    const now = Date.now();
    if (now - last < minIntervalMs) return;
    last = now;
    write(readingLine(r, published));
  };
}
