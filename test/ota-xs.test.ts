// The OTA core (header, streaming hash, policy, state machine, health check) runs on real XS and
// decides as it does on Node.
import test from "ava";
import { createHash, generateKeyPairSync, verify } from "node:crypto";
import { OtaUpdater } from "../modules/ota/updater.js";
import { toHex } from "../modules/util/hex.js";
import { nodeSha256, nodeVerifier, rawPublicKey, signImage } from "../hosts/node/ota-crypto.js";
import { startXs } from "./helpers/xs.js";
import { fakeAppImage } from "./ota-device.js";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const app = fakeAppImage(20_011, 3);
const sign = (version: [number, number, number], target = "esp32") =>
  signImage(app, { target, version: { major: version[0], minor: version[1], patch: version[2] } }, privateKey);
const good = sign([1, 1, 0]);
const flipped = good.slice();
flipped[5000] ^= 4;

const cases: [string, Uint8Array][] = [
  ["good", good],
  ["tampered", flipped],
  ["truncated", good.subarray(0, good.length - 10)],
  ["unsigned", app],
  ["wrong target", sign([1, 1, 0], "esp32s3")],
  ["downgrade", sign([0, 9, 0])],
];

/** Digest/signature pairs that node:crypto verifies: the XS side may only look these up. */
function trustedPairs(): [string, string][] {
  return cases.filter(([, img]) => img.length > 128).map(([, img]) => {
    const digest = createHash("sha256").update(img.subarray(0, img.length - 64)).digest();
    return [digest, img.subarray(img.length - 64)] as const;
  }).filter(([d, s]) => verify("sha256", d, { key: publicKey, dsaEncoding: "ieee-p1363" }, s))
    .map(([d, s]) => [toHex(d), toHex(s)]);
}

test("OTA decisions and the image digest are the same under XS as on Node", async (t) => {
  const worker = await startXs("test/xs/ota.entry.ts");
  try {
    const trusted = trustedPairs();
    t.true(trusted.length >= 3);
    for (const [name, image] of cases) {
      const reply = JSON.parse((await worker.command(JSON.stringify({ image: toHex(image), trusted, running: [1, 0, 0], target: "esp32", chunk: 1000 }))).reply);
      const node = new OtaUpdater({ sink: { begin() {}, write() {}, complete() {}, cancel() {} }, sha256: nodeSha256, verifier: nodeVerifier(rawPublicKey(privateKey)),
        policy: { target: "esp32", running: { major: 1, minor: 0, patch: 0 }, slotSize: 1 << 20 } });
      node.begin();
      node.write(image);
      t.deepEqual(reply.result, node.finish(), name);
      if (name === "good") {
        t.deepEqual(reply.calls, [`begin:${app.length}`, "complete"]);
        t.is(reply.written, app.length);
        t.is(reply.digest, createHash("sha256").update(image.subarray(0, image.length - 64)).digest("hex"), "XS hashed what Node hashed");
      } else {
        t.false(reply.calls.includes("complete"), `${name} never completes`);
      }
      t.is(reply.health, "confirmed");
      t.deepEqual(reply.events, ["valid"]);
    }
  } finally {
    await worker.close();
  }
});
