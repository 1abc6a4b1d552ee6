// node:crypto implementations of the OTA ports, plus image signing for `metertap sign-image`.
import { createHash, createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { encodeHeader, SIGNATURE_LENGTH } from "../../modules/ota/image.js";
import type { ImageHeader } from "../../modules/ota/image.js";
import type { Sha256, SignatureVerifier } from "../../modules/ota/ports.js";

export function nodeSha256(): Sha256 {
  const h = createHash("sha256");
  return {
    update: (bytes) => void h.update(bytes),
    digest: () => new Uint8Array(h.digest()),
  };
}

/** The uncompressed P-256 point (0x04 || X || Y, 65 bytes): the form the device compiles in. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  if (pub.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error("the key is not an ECDSA P-256 key");
  const jwk = pub.export({ format: "jwk" });
  const x = Buffer.from(jwk.x!, "base64url");
  const y = Buffer.from(jwk.y!, "base64url");
  return new Uint8Array(Buffer.concat([Buffer.of(4), x, y]));
}

function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 65 || raw[0] !== 4) throw new Error("public key must be a 65-byte uncompressed P-256 point");
  const b = Buffer.from(raw);
  return createPublicKey({
    key: { kty: "EC", crv: "P-256", x: b.subarray(1, 33).toString("base64url"), y: b.subarray(33).toString("base64url") },
    format: "jwk",
  });
}

export function nodeVerifier(publicKey: Uint8Array): SignatureVerifier {
  const key = publicKeyFromRaw(publicKey);
  return {
    verify(digest, signature) {
      if (digest.length !== 32 || signature.length !== SIGNATURE_LENGTH) return false;
      return verify("sha256", digest, { key, dsaEncoding: "ieee-p1363" }, signature);
    },
  };
}

export function loadPrivateKey(pem: string | Buffer): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyDetails?.namedCurve !== "prime256v1") throw new Error("the key is not an ECDSA P-256 private key");
  return key;
}

/** HEADER || PAYLOAD || ECDSA-P256-SHA256(SHA-256(HEADER || PAYLOAD)) in r || s form. */
export function signImage(payload: Uint8Array, header: Omit<ImageHeader, "payloadLength">, key: KeyObject): Uint8Array {
  const head = encodeHeader({ ...header, payloadLength: payload.length });
  const digest = createHash("sha256").update(head).update(payload).digest();
  const signature = sign("sha256", digest, { key, dsaEncoding: "ieee-p1363" });
  return new Uint8Array(Buffer.concat([head, payload, signature]));
}
