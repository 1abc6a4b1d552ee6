// XS worker for the history bench: `fill DAYS` records that many days of a 6-channel meter into a
// 1 MiB simulated region (a reading a quarter-hour); `query FROM TO` counts the quarter-hours a
// query returns (times in ms; empty for the whole store).
import { History } from "../../modules/history/history.js";
import type { Reading } from "../../modules/reading/model.js";
import { isoUtc } from "../../modules/util/time.js";
import { SimFlash } from "../sim-flash.js";
import { serve } from "./serve.js";

const DAY = 86_400_000;
const START = Date.UTC(2025, 0, 1);
let history: History | null = null;

serve((input) => {
  const [command, a, b] = input.split(" ");
  if (command === "fill") {
    history = new History(new SimFlash({ blocks: 256 }), { now: () => 0 }, { timeZone: "Europe/Brussels" });
    let wh = 10_000_000;
    const end = START + Number(a) * DAY;
    for (let t = START; t < end; t += 900_000) {
      wh += 120 + ((t / 900_000) % 7) * 30;
      const reading: Reading = {
        protocol: "dsmr", meterId: "E0001", time: isoUtc(t),
        energy: { import: wh, export: wh / 3, r1: wh / 10, r2: wh / 100, r3: wh / 200, r4: wh / 20 },
        power: {}, voltage: { l1: 231, l2: 230, l3: 229 }, current: {}, tariff: null, subMeters: [], events: [], values: {},
      };
      history.onReading(reading, t);
    }
    return String(end);
  }
  let n = 0;
  for (const _ of history!.query("quarter-hour", a ? Number(a) : -Infinity, b ? Number(b) : Infinity)) n++;
  return String(n);
});
