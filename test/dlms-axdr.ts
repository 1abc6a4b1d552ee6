// A-XDR builders for test push lists: typed values, OBIS codes, clocks and the data-notification
// around a list body, written as the specifications define them.
import { concat, hex } from "./dlms-frames.js";

const tagged = (tag: number, ...b: number[]) => Uint8Array.of(tag, ...b);

export const u32 = (v: number) => tagged(0x06, v >>> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
export const i32 = (v: number) => tagged(0x05, (v >> 24) & 255, (v >> 16) & 255, (v >> 8) & 255, v & 255);
export const u16 = (v: number) => tagged(0x12, (v >> 8) & 255, v & 255);
export const i16 = (v: number) => tagged(0x10, (v >> 8) & 255, v & 255);
export const str = (s: string) => tagged(0x0a, s.length, ...Array.from(s, (c) => c.charCodeAt(0)));
export const oct = (h: string) => concat(tagged(0x09, h.length / 2), hex(h));
export const struct = (...items: Uint8Array[]) => concat(tagged(0x02, items.length), ...items);
export const su = (scaler: number, unit: number) => struct(tagged(0x0f, scaler & 255), tagged(0x16, unit));

/** A 6-byte logical name from `A-B:C.D.E`, as an octet-string. */
export function obis(code: string): Uint8Array {
  const m = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)$/.exec(code);
  if (!m) throw new Error(`bad OBIS ${code}`);
  return tagged(0x09, 6, +m[1], +m[2], +m[3], +m[4], +m[5], 255);
}

/** 2021-09-22 17:35:30 local: the 12 date-time bytes with a deviation and a status (hex). */
export const clock = (deviation: string, status: string) => oct(`07e50916031123` + `1e00${deviation}${status}`);

/** A data-notification without its own date-time around a list body. */
export const notification = (body: Uint8Array) => concat(hex("0f 40000000 00"), body);

/** Less common shapes. */
export const A = {
  array: (...items: Uint8Array[]) => concat(tagged(0x01, items.length), ...items),
  int8: (v: number) => tagged(0x0f, v & 255),
  enum: (v: number) => tagged(0x16, v),
};
