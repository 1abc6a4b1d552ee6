// Key configuration. A malformed key is a start-up error whose message names the setting and what
// is wrong with it, never the key text itself (it may be a real key with a typo).
import { fromHex } from "../util/hex.js";

export const KEY_LENGTH = 16;

/**
 * Parses a 128-bit key given as 32 hex digits (spaces, colons and dashes between digits allowed,
 * as utilities print them). Throws an Error that never contains `text`.
 */
export function parseKey(text: string, name: string): Uint8Array {
  const digits = text.replace(/[\s:-]/g, "");
  if (digits.length !== 2 * KEY_LENGTH) {
    throw new Error(`${name}: expected ${2 * KEY_LENGTH} hex digits (a 128-bit key), got ${digits.length}`);
  }
  const key = fromHex(digits);
  if (!key) throw new Error(`${name}: contains a character that is not a hex digit`);
  return key;
}

/** Parses a raw AAD override: any even number of hex digits, including none. */
export function parseAad(text: string, name: string): Uint8Array {
  const digits = text.replace(/[\s:-]/g, "");
  if (digits.length & 1) throw new Error(`${name}: expected an even number of hex digits, got ${digits.length}`);
  const aad = fromHex(digits);
  if (!aad) throw new Error(`${name}: contains a character that is not a hex digit`);
  return aad;
}
