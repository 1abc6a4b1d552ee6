// Unit spellings: meters write `v`, `kw`, `kwh` or `kVAr`; the contract and the Reading use one
// spelling per unit (SI case, IEC 60027 `var`). `m3` stays ASCII as DSMR and the DLMS unit table
// write it; Home Assistant gets `m³` from the publisher.
const CANONICAL: Record<string, string> = {};
for (const u of [
  "V", "A", "W", "kW", "MW", "Wh", "kWh", "MWh", "VA", "kVA", "VAh", "kVAh", "var", "kvar", "varh", "kvarh",
  "Hz", "s", "h", "min", "GJ", "MJ", "m3", "l", "°C", "K", "%",
]) CANONICAL[u.toLowerCase()] = u;

// Spellings seen, and what each is: a meter sends the same few in every telegram, and on the
// dongle each `toLowerCase` makes a String object to collect. Made on first use (see
// dsmr/telegram.ts, `codes`).
let seen: Map<string, string | null> | undefined;
const SEEN_LIMIT = 64;

/** The one spelling of `text`, or null when this decoder does not know the unit. */
function knownSpelling(text: string): string | null {
  seen ??= new Map();
  let unit = seen.get(text);
  if (unit === undefined) {
    const lower = text.toLowerCase();
    unit = Object.hasOwn(CANONICAL, lower) ? CANONICAL[lower] : null;
    if (seen.size < SEEN_LIMIT) seen.set(text, unit);
  }
  return unit;
}

/** The one spelling of a unit this decoder knows, or the text unchanged when it does not know it. */
export function canonicalUnit(text: string): string {
  return knownSpelling(text) ?? text;
}

/** Whether this decoder knows the unit (in any case). */
export function isKnownUnit(text: string): boolean {
  return knownSpelling(text) !== null;
}
