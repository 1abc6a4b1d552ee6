// What a meter's telegrams look like from one to the next: its codes, and the width of each
// zero-padded number. A meter keeps both; an inserted or deleted byte that a 16-bit CRC lets
// through (about one in 65,536) shows as a new code or a padded number one digit longer or
// shorter. A telegram that changes the shape is held until a second one shows the same change.

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

/** The first difference from `known` (a new code, a padded number of another width), or null. */
function difference(known: Shape, shape: Shape): string | null {
  for (const code in shape) {
    const was = known[code];
    if (!was) return `new object ${code}`;
    const now = shape[code];
    for (let i = 0; i < now.length && i < was.length; i++) {
      // Zero-padding fixes a field's width; without it a number may grow (`9.9` → `10.0`).
      if (now[i] !== was[i] && ((now[i] | was[i]) & 1) && now[i] >> 1 !== was[i] >> 1) return `${code} changed width`;
    }
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
  private known: Shape = {};
  private pending: Shape | null = null;

  /**
   * Null when `shape` is the stream's, or the change that holds this telegram back. The first
   * telegram, and the first of another identification line (another meter), set the shape.
   */
  check(header: string, shape: Shape): string | null {
    if (header !== this.header) {
      this.header = header;
      this.known = {};
      this.pending = null;
    } else {
      const change = difference(this.known, shape);
      if (change) {
        if (!this.pending || difference(this.pending, shape) !== null) {
          this.pending = shape;
          return change;
        }
        this.pending = null;
      }
    }
    for (const code in shape) this.known[code] = shape[code];
    return null;
  }
}
