#!/usr/bin/env node
// Compresses the page's assets (web/ and uPlot) into dist/web/*.gz, for Node and for the dongle's
// firmware resources, and fails when together they exceed the flash budget.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync, constants } from "node:zlib";
import { ASSET_TYPES, ASSET_BUDGET } from "../dist/modules/web/assets.js";

const root = new URL("../", import.meta.url);
const SOURCES = {
  "index.html": "web/index.html",
  "app.js": "web/app.js",
  "app.css": "web/app.css",
  "uplot.js": "node_modules/uplot/dist/uPlot.iife.min.js",
  "uplot.css": "node_modules/uplot/dist/uPlot.min.css",
};
mkdirSync(new URL("dist/web/", root), { recursive: true });
let total = 0;
for (const name of Object.keys(ASSET_TYPES)) {
  const gz = gzipSync(readFileSync(new URL(SOURCES[name], root)), { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(new URL(`dist/web/${name}.gz`, root), gz);
  total += gz.length;
}
if (total > ASSET_BUDGET) {
  process.stderr.write(`web assets: ${total} bytes compressed, over the ${ASSET_BUDGET}-byte budget\n`);
  process.exit(1);
}
