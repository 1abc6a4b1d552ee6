// Knowledge about lists that do not describe themselves: positional layouts (no OBIS codes) and
// the scalers meters imply when they send no scaler-unit structure. Sources: the Norwegian NVE
// HAN list specifications as implemented by toreamun/amshan (Kaifa, Kamstrup), the Iskra and
// Slovenian ECE lists of athombv/node-dsmr-parser, and the Netz Burgenland L+G E450 list as read by
// amsreader. docs/PUSH-LISTS.md is the table with each layout's source.
import type { AxdrNode } from "./axdr.js";
import { BOOLEAN, DOUBLE_LONG_UNSIGNED, LONG_UNSIGNED, OCTET_STRING, UTF8_STRING, VISIBLE_STRING } from "./axdr.js";

export type Scaling = (obis: Uint8Array) => { scaler: number; unit: string } | undefined;

interface FamilyScalers {
  current: number;
  voltage: number;
  energy: number;
}

const FAMILY: Record<string, FamilyScalers> = {
  // Kaifa: mA and dV (amshan kaifa.py).
  kaifa: { current: -3, voltage: -1, energy: 0 },
  // Kamstrup: cA, whole volts, energies in 10 Wh (amshan kamstrup.py).
  kamstrup: { current: -2, voltage: 0, energy: 1 },
  // Landis+Gyr E450 at Netz Burgenland: whole volts, cA, Wh (amsreader LNG2).
  burgenland: { current: -2, voltage: 0, energy: 0 },
  // Everyone else without scalers (Iskra, ECE lists, described lists): cA and dV.
  generic: { current: -2, voltage: -1, energy: 0 },
};

const WATT = [1, 2, 15, 16, 21, 22, 41, 42, 61, 62];
const VAR = [3, 4, 23, 24, 43, 44, 63, 64];

/** Default scaler and unit of electricity objects, by list family or list name. */
export function defaultScaling(familyOrName: string | undefined): Scaling {
  const name = familyOrName ?? "";
  const f = name.startsWith("Kamstrup") || name === "kamstrup" ? FAMILY.kamstrup
    : name.startsWith("KFM") || name === "kaifa" ? FAMILY.kaifa : FAMILY[name] ?? FAMILY.generic;
  return (obis) => {
    if (obis[0] !== 1) return undefined;
    const c = obis[2];
    if (obis[3] === 7) {
      if (WATT.includes(c)) return { scaler: 0, unit: "W" };
      if (VAR.includes(c)) return { scaler: 0, unit: "var" };
      if (c === 31 || c === 51 || c === 71) return { scaler: f.current, unit: "A" };
      if (c === 32 || c === 52 || c === 72) return { scaler: f.voltage, unit: "V" };
    } else if (obis[3] === 8) {
      if (c === 1 || c === 2) return { scaler: f.energy, unit: "Wh" };
      if (c >= 3 && c <= 8) return { scaler: f.energy, unit: "varh" };
    }
    return undefined;
  };
}

/** Position kinds: s text or octets, o a 6-byte OBIS, n number, c 12-byte clock, * anything. */
type Kind = "s" | "o" | "n" | "c" | "*";

function kindOf(n: AxdrNode, k: Kind): boolean {
  switch (k) {
    case "*": return true;
    case "n": return typeof n.value === "number" || n.tag === BOOLEAN;
    case "s": return n.tag === VISIBLE_STRING || n.tag === UTF8_STRING || n.tag === OCTET_STRING;
    case "o": return n.tag === OCTET_STRING && (n.value as Uint8Array).length === 6;
    case "c": return n.tag === OCTET_STRING && (n.value as Uint8Array).length === 12;
  }
}

export interface PositionalList {
  family: string;
  codes: (Uint8Array | null)[];
  matches(items: AxdrNode[]): boolean;
}

function code(text: string): Uint8Array {
  const m = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)$/.exec(text)!;
  return new Uint8Array([+m[1], +m[2], +m[3], +m[4], +m[5], 255]);
}

function layout(family: string, entries: [string | null, Kind][], test?: (items: AxdrNode[]) => boolean, minLength = entries.length): PositionalList {
  const kinds = entries.map((e) => e[1]);
  return {
    family,
    codes: entries.map((e) => (e[0] ? code(e[0]) : null)),
    matches(items) {
      if (items.length > kinds.length || items.length < minLength) return false;
      for (let i = 0; i < items.length; i++) if (!kindOf(items[i], kinds[i])) return false;
      return !test || test(items);
    },
  };
}

const KAIFA_HEAD: [string, Kind][] = [
  ["1-1:0.2.129", "s"], ["0-0:96.1.0", "s"], ["0-0:96.1.7", "s"], ["1-0:1.7.0", "n"], ["1-0:2.7.0", "n"],
  ["1-0:3.7.0", "n"], ["1-0:4.7.0", "n"], ["1-0:31.7.0", "n"],
];
const KAIFA_3P: [string, Kind][] = [["1-0:51.7.0", "n"], ["1-0:71.7.0", "n"], ["1-0:32.7.0", "n"], ["1-0:52.7.0", "n"], ["1-0:72.7.0", "n"]];
const KAIFA_TAIL: [string, Kind][] = [["0-0:1.0.0", "c"], ["1-0:1.8.0", "n"], ["1-0:2.8.0", "n"], ["1-0:3.8.0", "n"], ["1-0:4.8.0", "n"]];
const KAIFA_1P_VOLTAGE: [string, Kind][] = [["1-0:32.7.0", "n"]];
const isKaifaName = (items: AxdrNode[]): boolean => items[0].tag === VISIBLE_STRING || items[0].tag === OCTET_STRING;

/** Any instance of the push setup object, 0-x:25.9.0 (0-6 most meters, 0-8 the Swiss L+G E450). */
export function isPushSetup(obis: Uint8Array): boolean {
  return obis[0] === 0 && obis[2] === 25 && obis[3] === 9 && obis[4] === 0;
}

const BURGENLAND: [string | null, Kind][] = [
  ["1-0:32.7.0", "n"], ["1-0:52.7.0", "n"], ["1-0:72.7.0", "n"], ["1-0:31.7.0", "n"], ["1-0:51.7.0", "n"],
  ["1-0:71.7.0", "n"], ["1-0:1.7.0", "n"], ["1-0:2.7.0", "n"], ["1-0:1.8.0", "n"], ["1-0:2.8.0", "n"],
];
/** Six long-unsigned, four double-long-unsigned, (three long-unsigned,) then the meter number. */
function isBurgenland(items: AxdrNode[]): boolean {
  for (let i = 0; i < items.length - 1; i++) {
    if (items[i].tag !== (i >= 6 && i < 10 ? DOUBLE_LONG_UNSIGNED : LONG_UNSIGNED)) return false;
  }
  return true;
}

export const POSITIONAL_LISTS: readonly PositionalList[] = [
  // Kaifa Norway list 1: active power import only.
  layout("kaifa", [["1-0:1.7.0", "n"]], (items) => items[0].tag === DOUBLE_LONG_UNSIGNED),
  // Kaifa Norway lists 2 and 3, single and three phase (9, 13, 14 and 18 elements).
  layout("kaifa", [...KAIFA_HEAD, ...KAIFA_1P_VOLTAGE], isKaifaName),
  layout("kaifa", [...KAIFA_HEAD, ...KAIFA_3P], isKaifaName),
  layout("kaifa", [...KAIFA_HEAD, ...KAIFA_1P_VOLTAGE, ...KAIFA_TAIL], isKaifaName),
  layout("kaifa", [...KAIFA_HEAD, ...KAIFA_3P, ...KAIFA_TAIL], isKaifaName),
  // Slovenian ECE list 1: instantaneous values.
  layout("generic", [
    ["0-0:42.0.0", "s"], ["0-0:96.1.2", "s"], ["1-0:1.7.0", "n"], ["1-0:2.7.0", "n"], ["1-0:3.7.0", "n"],
    ["1-0:4.7.0", "n"], ["1-0:32.7.0", "n"], ["1-0:52.7.0", "n"], ["1-0:72.7.0", "n"], ["1-0:31.7.0", "n"],
    ["1-0:51.7.0", "n"], ["1-0:71.7.0", "n"], ["1-0:21.7.0", "n"], ["1-0:41.7.0", "n"], ["1-0:61.7.0", "n"],
    ["1-0:22.7.0", "n"], ["1-0:42.7.0", "n"], ["1-0:62.7.0", "n"],
  ], (items) => items[0].tag === OCTET_STRING),
  // Slovenian ECE list 2: registers and the active tariff (a 2-byte octet string).
  layout("generic", [
    ["0-0:42.0.0", "s"], ["0-0:96.1.3", "s"], ["0-0:96.3.10", "n"], ["0-0:96.14.0", "s"], ["1-0:1.8.0", "n"],
    ["1-0:1.8.1", "n"], ["1-0:1.8.2", "n"], ["1-0:2.8.0", "n"], ["1-0:2.8.1", "n"], ["1-0:2.8.2", "n"],
    ["1-0:3.8.0", "n"], ["1-0:4.8.0", "n"],
  ], (items) => items[0].tag === OCTET_STRING && (items[3].value as Uint8Array).length === 2),
  // Iskra: named by the push setup object, then identifiers, then registers; the meter declares 12
  // elements and may send fewer.
  layout("generic", [
    [null, "o"], [null, "s"], [null, "s"], [null, "s"], ["1-0:1.8.0", "n"], ["1-0:2.8.0", "n"],
    ["1-0:3.8.0", "n"], ["1-0:4.8.0", "n"], ["1-0:1.7.0", "n"], ["1-0:2.7.0", "n"], [null, "*"], [null, "*"],
  ], (items) => isPushSetup(items[0].value as Uint8Array), 5),
  // Landis+Gyr E450 at Netz Burgenland: U1-3, I1-3 (long-unsigned), P+, P-, A+, A- (double-long-
  // unsigned), three long-unsigned values nobody has identified (not published), the meter number.
  layout("burgenland", [...BURGENLAND, [null, "n"], [null, "n"], [null, "n"], ["0-0:96.1.0", "s"]], isBurgenland),
  layout("burgenland", [...BURGENLAND, ["0-0:96.1.0", "s"]], isBurgenland),
];
