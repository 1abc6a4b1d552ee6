// What a meter's telegrams look like from one to the next: its codes, and the width of each
// zero-padded number. A meter keeps both; an inserted or deleted byte that a 16-bit CRC lets
// through (about one in 65,536) shows as a new code or a padded number one digit longer or
// shorter. A telegram that changes the shape is held until a second one shows the same change.
// A meter's first telegram has nothing to compare with, so it is held when it is odd in itself: a
// code that is a known code with a byte more or less, or a padded number of another width than
// its kind's.
import type { ObisMap } from "../reading/model.js";

/** Per code, each group's form: its number's length × 2, + 1 when zero-padded (`00006`, `000.5`). */
export type Shape = Record<string, number[]>;

/** The form of one group: how long its number is (up to a `*unit`), and whether it is zero-padded. */
export function groupForm(group: string): number {
  const star = group.indexOf("*");
  const length = star >= 0 ? star : group.length;
  const second = group.charCodeAt(1);
  const padded = group.charCodeAt(0) === 48 && second >= 48 && second <= 57;
  return length * 2 + (padded ? 1 : 0);
}

/**
 * The first difference from `known` (a new code, a padded number of another width), or null;
 * `merge.needed` is set when `known` holds other forms for a code (a number that grew unpadded).
 */
function difference(known: Shape, shape: Shape, merge?: { needed: boolean }): string | null {
  // Keys as one array: XS's for-in lists them and records each one visited, objects by the dozen.
  const codes = Object.keys(shape);
  for (let c = 0; c < codes.length; c++) {
    const code = codes[c];
    const was = known[code];
    if (!was) return `new object ${code}`;
    const now = shape[code];
    // A line read as in the previous telegram brings the very same forms.
    if (now === was) continue;
    if (merge && now.length !== was.length) merge.needed = true;
    for (let i = 0; i < now.length && i < was.length; i++) {
      if (now[i] === was[i]) continue;
      // Zero-padding fixes a field's width; without it a number may grow (`9.9` → `10.0`).
      if (((now[i] | was[i]) & 1) && now[i] >> 1 !== was[i] >> 1) return `${code} changed width`;
      if (merge) merge.needed = true;
    }
  }
  return null;
}

// Codes DSMR, e-MUCS and Luxembourg meters send: electricity on channel 0 or 1, M-Bus on 1 to 4.
const ELECTRICITY = ("0.2.8 1.4.0 1.6.0 31.4.0 51.4.0 71.4.0 42.1.0 94.32.1 99.97.0 " +
  "1.8.0 1.8.1 1.8.2 1.8.3 1.8.4 1.8.5 1.8.6 1.8.7 1.8.8 1.8.9 2.8.0 2.8.1 2.8.2 2.8.3 2.8.4 2.8.5 2.8.6 2.8.7 2.8.8 2.8.9 " +
  "3.8.0 3.8.1 3.8.2 4.8.0 4.8.1 4.8.2 5.8.0 6.8.0 7.8.0 8.8.0 15.8.0 " +
  "1.7.0 2.7.0 3.7.0 4.7.0 5.7.0 6.7.0 7.7.0 8.7.0 9.7.0 10.7.0 13.7.0 14.7.0 16.7.0 " +
  "21.7.0 22.7.0 23.7.0 24.7.0 31.7.0 32.7.0 33.7.0 41.7.0 42.7.0 43.7.0 44.7.0 51.7.0 52.7.0 53.7.0 " +
  "61.7.0 62.7.0 63.7.0 64.7.0 71.7.0 72.7.0 73.7.0 32.32.0 52.32.0 72.32.0 32.36.0 52.36.0 72.36.0").split(" ");
const MBUS = "24.1.0 24.2.1 24.2.2 24.2.3 24.3.0 24.4.0 96.1.0 96.1.1 96.1.2 96.3.10".split(" ");
// Only read after module load, so a preloaded (read-only) Set will do.
const KNOWN = new Set(["0-0:0.0.0", "0-0:1.0.0", "0-0:17.0.0", "0-0:42.0.0", "0-0:96.1.0", "0-0:96.1.1", "0-0:96.1.2", "0-0:96.1.4",
  "0-0:96.3.10", "0-0:96.7.9", "0-0:96.7.21", "0-0:96.13.0", "0-0:96.13.1", "0-0:96.14.0", "0-0:98.1.0", "1-0:0.0.0", "1-3:0.2.8"]
  .concat(ELECTRICITY.map((c) => "1-0:" + c), ELECTRICITY.map((c) => "1-1:" + c))
  .concat(...[1, 2, 3, 4].map((n) => MBUS.map((c) => `0-${n}:${c}`))));

/** Whether `longer` is `shorter` with one byte more. */
function oneMore(longer: string, shorter: string): boolean {
  if (longer.length !== shorter.length + 1) return false;
  let i = 0;
  while (i < shorter.length && longer.charCodeAt(i) === shorter.charCodeAt(i)) i++;
  return longer.slice(i + 1) === shorter.slice(i);
}

/** The D group of `A-B:C.D.E`: the kind of quantity (7 instantaneous, 8 a register, …). */
function kindGroup(code: string): string {
  const dot = code.indexOf(".");
  return code.slice(dot + 1, code.indexOf(".", dot + 1));
}

/**
 * Why a telegram looks damaged by itself, or null: a code it does not otherwise carry with a byte
 * more or less (`52.32.0` → `52.32.60`), or a zero-padded number whose width differs from that of
 * another of the same kind and unit (`00006` beside `00003` → `050006`).
 */
export function oddity(values: ObisMap, shape: Shape): string | null {
  const widths: Record<string, [string, number]> = {};
  for (const code in shape) {
    if (!KNOWN.has(code)) {
      for (const k of KNOWN) {
        if (!shape[k] && !values[k] && (oneMore(code, k) || oneMore(k, code))) return `${code} is ${k} with a byte more or less`;
      }
    }
    const forms = shape[code];
    if (forms.length !== 1 || !(forms[0] & 1)) continue;
    const kind = kindGroup(code) + "*" + (values[code]?.unit ?? "");
    const seen = widths[kind];
    if (!seen) widths[kind] = [code, forms[0]];
    else if (seen[1] !== forms[0]) return `${code} is padded to another width than ${seen[0]}`;
  }
  return null;
}

/**
 * The shape a stream's telegrams have shown, and a change waiting for its confirmation. A change
 * is the meter's once a second telegram shows it, the next one or a later one: a line that a meter
 * sends in some telegrams only is held once, then known.
 */
export class ShapeMemory {
  private header: string | null = null;
  private known: Shape | null = null;
  private pending: Shape | null = null;
  // Whether `known` must take this telegram's forms: walking the codes a second time each telegram
  // cost the dongle 100,000 instructions, for forms it nearly always held already.
  private readonly merge = { needed: false };

  /**
   * Null when `shape` is the stream's, or the change that holds this telegram back. The first
   * telegram, and the first of another identification line (another meter), set the shape unless
   * they are odd in themselves (`oddity`).
   */
  check(header: string, shape: Shape, values: ObisMap): string | null {
    if (header !== this.header) {
      this.header = header;
      this.known = null;
      this.pending = null;
    }
    this.merge.needed = this.known === null;
    const change = this.known ? difference(this.known, shape, this.merge) : oddity(values, shape);
    if (change) {
      if (!this.pending || difference(this.pending, shape) !== null) {
        this.pending = shape;
        return change;
      }
      this.pending = null;
      this.merge.needed = true;
    }
    if (!this.merge.needed) return null;
    this.known ??= {};
    for (const code in shape) this.known[code] = shape[code];
    return null;
  }
}
