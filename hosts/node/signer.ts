// The Signer port on Node: ECDSA P-256 (node:crypto). The key pair is made on first use and its
// private half kept in the meter's key-value store (the `--flash FILE`'s FILE.kv.json, as NVS on the
// dongle); nothing prints or publishes it. The public key is shown as PEM (CLI) or hex (diag).
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import type { KeyValueStore, Signer } from "../../modules/ports/ports.js";

const KEY = "sig-key";

function rawPoint(pub: KeyObject): Uint8Array {
  const jwk = pub.export({ format: "jwk" });
  return new Uint8Array(Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]));
}

/** The device's signer, creating (and storing) its key on the first call; null with `create` false and no key. */
export function nodeSigner(store: KeyValueStore, create = true): Signer | null {
  let pkcs8 = store.read(KEY);
  if (!pkcs8) {
    if (!create) return null;
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    pkcs8 = privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
    store.write(KEY, pkcs8);
  }
  const key = createPrivateKey({ key: Buffer.from(pkcs8, "base64"), format: "der", type: "pkcs8" });
  const point = rawPoint(createPublicKey(key));
  return {
    publicKey: () => point,
    sign: (message) => new Uint8Array(sign("sha256", message, { key, dsaEncoding: "der" })),
  };
}

/** SubjectPublicKeyInfo PEM of a SEC1 uncompressed P-256 point (what `openssl dgst -verify` takes). */
export function publicKeyPem(point: Uint8Array): string {
  const x = Buffer.from(point.subarray(1, 33)).toString("base64url");
  const y = Buffer.from(point.subarray(33, 65)).toString("base64url");
  return createPublicKey({ key: { kty: "EC", crv: "P-256", x, y }, format: "jwk" }).export({ type: "spki", format: "pem" }).toString();
}

export function verifySignature(publicKey: KeyObject, message: Uint8Array, der: Uint8Array): boolean {
  try {
    return verify("sha256", message, { key: publicKey, dsaEncoding: "der" }, der);
  } catch {
    return false;
  }
}
