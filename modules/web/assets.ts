// The page's assets and their types: one list for the build script, Node and the dongle's resources.
export const ASSET_TYPES: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "uplot.js": "text/javascript; charset=utf-8",
  "uplot.css": "text/css; charset=utf-8",
};

/** Flash budget for all of them together, compressed (issue 14). */
export const ASSET_BUDGET = 64 * 1024;
