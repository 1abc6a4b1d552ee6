// The Signer port on the dongle: ECDSA P-256 in PSA Crypto (ecdsa_psa.c through aesgcm.c's
// bindings). The key is generated on first boot and its private scalar kept in the key-value store
// (NVS, which OTA updates leave alone) under "sig-key"; it is never published or logged.
import type { KeyValueStore, Signer } from "../ports/ports.js";
import { ecdsaDer } from "../signing/der.js";
import { fromHex, toHex } from "../util/hex.js";

declare function native(name: string): (...args: any[]) => any;

const KEY = "sig-key";

export function psaSigner(store: KeyValueStore): Signer {
  let priv = fromHex(store.read(KEY) ?? "");
  let pub: Uint8Array;
  if (!priv || priv.length !== 32) {
    const pair = new Uint8Array(native("xs_crypto_p256_generate")());
    priv = pair.slice(0, 32);
    pub = pair.slice(32);
    store.write(KEY, toHex(priv));
  } else {
    pub = new Uint8Array(native("xs_crypto_p256_public")(priv));
  }
  const key = priv;
  return {
    publicKey: () => pub,
    sign: (message) => ecdsaDer(new Uint8Array(native("xs_crypto_p256_sign")(key, message))),
  };
}
