// 32-bit sequence numbers compared with serial-number arithmetic (RFC 1982), so they may wrap
// (0x7FFFFFFF -> 0x80000000 and 0xFFFFFFFF -> 0) for as long as live values stay within 2^31.

/** Signed distance a - b in [-2^31, 2^31): positive when a is newer than b. */
export function serialDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function serialNext(a: number): number {
  return (a + 1) >>> 0;
}
