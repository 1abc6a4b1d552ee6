// The page's assets as the dongle carries them: every one built, valid gzip, together within the
// 64 KB flash budget; and what the page needs from each is there (uPlot, the view sections).
import test from "ava";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { ASSET_BUDGET, ASSET_TYPES } from "../modules/web/assets.js";

const dir = new URL("../web/", import.meta.url);

test("all page assets are built, gzip, and within the flash budget", (t) => {
  let total = 0;
  const text: Record<string, string> = {};
  for (const name of Object.keys(ASSET_TYPES)) {
    const gz = readFileSync(new URL(`${name}.gz`, dir));
    total += gz.length;
    text[name] = gunzipSync(gz).toString("utf8");
  }
  t.log(`${Object.keys(ASSET_TYPES).length} assets, ${total} bytes compressed of ${ASSET_BUDGET}`);
  t.true(total <= ASSET_BUDGET, `${total} bytes`);
  t.true(total > 20_000, "uPlot itself is about 22 KB gzipped");
  t.regex(text["uplot.js"], /uPlot/);
  for (const id of ["live", "history", "totals", "diag", "settings"]) t.true(text["index.html"].includes(`<section id="${id}"`), id);
  t.regex(text["app.js"], /new EventSource\("events"\)/);
});
