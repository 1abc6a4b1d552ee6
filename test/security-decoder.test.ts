// The security layer inside the real decoder: every encrypted corpus case with the right keys,
// the wrong keys and no keys, and the distinct error outcomes.
import test from "ava";
import { createCipheriv } from "node:crypto";
import { decodeAll, Decoder } from "../modules/decode/decoder.js";
import type { DecoderOptions } from "../modules/decode/protocol.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { nodeCipher } from "../hosts/node/cipher.js";
import { readCase } from "./helpers/corpus.js";
import { buildGlo, ENCRYPTED_CASES, encryptedCase } from "./security-frames.js";

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const WRONG = "00112233445566778899aabbccddeeff";
const [LUX_AAD, LUX_NO_AAD, AIDON_AAD, AIDON_NO_AAD, AUSTRIA] = ENCRYPTED_CASES;

function options(key?: string, extra: { authKey?: string; aad?: string } = {}): DecoderOptions {
  const o: DecoderOptions = { cipher: nodeCipher };
  if (key) o.encryptionKey = hex(key);
  if (extra.authKey) o.authenticationKey = hex(extra.authKey);
  if (extra.aad !== undefined) o.aad = hex(extra.aad);
  return o;
}

/** Decodes a case the way the line delivers it (Luxembourg), or its APDU as a link layer hands it up. */
function decodeCase(id: string, o: DecoderOptions): DecodeResult {
  const c = encryptedCase(id);
  if (id.startsWith("enc-dsmr")) {
    const all = decodeAll(c.bytes, o);
    if (all.length !== 1) throw new Error(`${all.length} results`);
    return all[0];
  }
  return new Decoder(o, () => undefined).decodePayload(c.apdu, false);
}

/** What the plaintext twin decodes to, marked as the security layer marks it. */
function twin(id: string): DecodeResult {
  const c = encryptedCase(id);
  const plain = new Decoder({}, () => undefined).decodePayload(c.plaintext, true);
  plain.security = { systemTitle: c.systemTitle, frameCounter: c.frameCounter, securityControl: c.securityControl };
  return plain;
}

function assertKeyFailure(t: any, r: DecodeResult, error: string, c = encryptedCase(LUX_AAD)): void {
  t.false(r.ok);
  t.true(r.encrypted);
  t.is(r.error, error);
  t.deepEqual(r.values, {}, "no values from a frame that failed");
  t.is(r.reading, undefined);
  t.regex(r.message!, new RegExp(`system title ${c.systemTitle}, frame counter ${c.frameCounter}`));
}

test("Luxembourg, tag over SC || AK: decrypts to its twin, a crc error since the printed CRC is wrong", (t) => {
  const c = encryptedCase(LUX_AAD);
  const r = decodeCase(LUX_AAD, options(c.key, { authKey: c.authKey }));
  t.is(r.error, "crc");
  t.true(r.encrypted);
  t.is(r.meterId, "SAG1030790002574");
  t.deepEqual(r, twin(LUX_AAD));
});

test("Luxembourg, tag over empty AAD (--aad \"\")", (t) => {
  const c = encryptedCase(LUX_NO_AAD);
  t.is(c.aad, "");
  t.deepEqual(decodeCase(LUX_NO_AAD, options(c.key, { aad: "" })), twin(LUX_NO_AAD));
});

test("Luxembourg, raw AAD override equal to SC || AK", (t) => {
  const c = encryptedCase(LUX_AAD);
  t.deepEqual(decodeCase(LUX_AAD, options(c.key, { aad: c.aad })), twin(LUX_AAD));
});

test("Luxembourg without AK: decrypted unverified, the clean telegram shows it is the right key", (t) => {
  for (const id of [LUX_AAD, LUX_NO_AAD]) {
    const c = encryptedCase(id);
    t.deepEqual(decodeCase(id, options(c.key)), twin(id), id);
  }
});

test("a tag over another AAD is auth, whichever AAD is wrong", (t) => {
  const c = encryptedCase(LUX_AAD);
  assertKeyFailure(t, decodeCase(LUX_NO_AAD, options(c.key, { authKey: c.authKey })), "auth");
  assertKeyFailure(t, decodeCase(LUX_AAD, options(c.key, { aad: "" })), "auth");
  assertKeyFailure(t, decodeCase(LUX_AAD, options(c.key, { authKey: WRONG })), "auth");
});

test("a wrong encryption key is auth with an AK and key without one, never values", (t) => {
  const c = encryptedCase(LUX_AAD);
  assertKeyFailure(t, decodeCase(LUX_AAD, options(WRONG, { authKey: c.authKey })), "auth");
  const r = decodeCase(LUX_AAD, options(WRONG));
  assertKeyFailure(t, r, "key");
  t.regex(r.message!, /wrong encryption key/);
});

test("no key or no cipher: unsupported, with the frame's identity", (t) => {
  const c = encryptedCase(LUX_AAD);
  for (const o of [options(), { encryptionKey: hex(c.key) }]) {
    const r = decodeCase(LUX_AAD, o);
    assertKeyFailure(t, r, "unsupported");
    t.regex(r.message!, /^encrypted frame, no key configured/);
    t.deepEqual(r.security, { systemTitle: "7379737469746c65", frameCounter: 0x11223344, securityControl: 0x30 });
  }
});

test("a telegram with a valid CRC, encrypted: ok, encrypted, same reading as in clear", (t) => {
  const plain = readCase("dsmr-athombv-dsmr-5.0-isk-1").bytes;
  const clear = decodeAll(plain)[0];
  t.true(clear.ok);
  for (const authKey of [undefined, WRONG]) {
    const frame = buildGlo(plain, "000102030405060708090a0b0c0d0e0f", 42, { authKey });
    const [r] = decodeAll(frame, options("000102030405060708090a0b0c0d0e0f", { authKey }));
    t.true(r.ok);
    t.true(r.encrypted);
    t.deepEqual(r.reading, clear.reading);
    t.deepEqual(r.values, clear.values);
    t.deepEqual(r.security, { systemTitle: "4b464d6750000009", frameCounter: 42, securityControl: authKey ? 0x30 : 0x20 });
  }
});

test("outcomes are counted apart: wrong key is not 'no data'", (t) => {
  const c = encryptedCase(LUX_AAD);
  const plain = readCase("dsmr-athombv-dsmr-5.0-isk-1").bytes;
  const stream = Buffer.concat([
    buildGlo(plain, c.key, 1),
    buildGlo(plain, WRONG, 2),
    buildGlo(plain, c.key, 1),
    buildGlo(plain, c.key, 3, { authKey: WRONG }),
    c.bytes.subarray(0, 700),
  ]);
  const results: DecodeResult[] = [];
  const d = new Decoder(options(c.key, { authKey: c.authKey }), (r) => results.push(r));
  d.push(stream);
  d.flush();
  t.deepEqual(results.map((r) => r.error ?? "ok"), ["ok", "key", "replay", "auth", "truncated"]);
  t.like(d.stats, { ok: 1, errors: { crc: 0, auth: 1, key: 1, replay: 1, truncated: 1, malformed: 0, unsupported: 0, overflow: 0 } });
  const idle = new Decoder(options(c.key), () => undefined);
  idle.flush();
  t.is(idle.stats.frames, 0);
});

test("a ciphered APDU inside a ciphered APDU is malformed, not decrypted twice", (t) => {
  const inner = buildGlo(new Uint8Array(20), "000102030405060708090a0b0c0d0e0f", 1);
  const frame = buildGlo(inner, "000102030405060708090a0b0c0d0e0f", 2, { authKey: WRONG });
  const [r] = decodeAll(frame, options("000102030405060708090a0b0c0d0e0f", { authKey: WRONG }));
  t.is(r.error, "malformed");
  t.true(r.encrypted);
});

// These go on into the DLMS APDU decoder: they need it registered in modules/decode/protocols.ts.
for (const [id, how] of [[AIDON_AAD, "AK"], [AIDON_NO_AAD, "empty AAD"], [AIDON_NO_AAD, "no AK"], [AUSTRIA, "encryption only"]]) {
  test(`${id} (${how}) decodes to its plaintext twin`, (t) => {
    const c = encryptedCase(id);
    const extra = how === "AK" ? { authKey: c.authKey } : how === "empty AAD" ? { aad: "" } : {};
    const r = decodeCase(id, options(c.key, extra));
    const expected = twin(id);
    t.true(expected.ok, `the plaintext APDU decodes: ${expected.message ?? ""}`);
    t.deepEqual(r, expected);
    t.true(r.encrypted);
  });
}

test("Austria with a wrong key: key, never values", (t) => {
  assertKeyFailure(t, decodeCase(AUSTRIA, options(WRONG)), "key", encryptedCase(AUSTRIA));
});

test("Aidon with a wrong AK: auth", (t) => {
  const c = encryptedCase(AIDON_AAD);
  assertKeyFailure(t, decodeCase(AIDON_AAD, options(c.key, { authKey: WRONG })), "auth", c);
});

test("authentication only (SC 0x10): plaintext body, GMAC over SC || AK || body", (t) => {
  const key = "000102030405060708090a0b0c0d0e0f";
  const ak = "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf";
  const plain = readCase("dsmr-athombv-dsmr-5.0-isk-1").bytes;
  const title = hex("4b464d6750000009");
  const counter = Uint8Array.of(0, 0, 1, 0);
  const gmac = createCipheriv("aes-128-gcm", hex(key), Buffer.concat([title, counter]), { authTagLength: 12 });
  gmac.setAAD(Buffer.concat([Uint8Array.of(0x10), hex(ak), plain]));
  gmac.final();
  const content = Buffer.concat([Uint8Array.of(0x10), counter, plain, gmac.getAuthTag()]);
  const frame = Buffer.concat([Uint8Array.of(0xdb, 8), title, Uint8Array.of(0x82, content.length >> 8, content.length & 255), content]);
  const clear = decodeAll(plain)[0];
  const [good] = decodeAll(frame, options(key, { authKey: ak }));
  t.true(good.ok);
  t.deepEqual(good.values, clear.values);
  t.deepEqual(good.security, { systemTitle: "4b464d6750000009", frameCounter: 256, securityControl: 0x10 });
  t.is(decodeAll(frame, options(key, { authKey: WRONG }))[0].error, "auth");
  const tampered = Buffer.from(frame);
  tampered[200] ^= 1;
  t.is(decodeAll(tampered, options(key, { authKey: ak }))[0].error, "auth");
});
