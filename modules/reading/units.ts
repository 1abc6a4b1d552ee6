// Unit spellings: meters write `v`, `kw`, `kwh` or `kVAr`; the contract and the Reading use one
// spelling per unit (SI case, IEC 60027 `var`). `m3` stays ASCII as DSMR and the DLMS unit table
// write it; Home Assistant gets `m³` from the publisher.
const CANONICAL: Record<string, string> = {};
for (const u of [
  "V", "A", "W", "kW", "MW", "Wh", "kWh", "MWh", "VA", "kVA", "VAh", "kVAh", "var", "kvar", "varh", "kvarh",
  "Hz", "s", "h", "min", "GJ", "MJ", "m3", "l", "°C", "K", "%",
]) CANONICAL[u.toLowerCase()] = u;

/** The one spelling of a unit this decoder knows, or the text unchanged when it does not know it. */
export function canonicalUnit(text: string): string {
  return CANONICAL[text.toLowerCase()] ?? text;
}

/** Whether this decoder knows the unit (in any case). */
export function isKnownUnit(text: string): boolean {
  return Object.hasOwn(CANONICAL, text.toLowerCase());
}
