// `metertap sign-image` end to end: the CLI signs, the OTA core accepts, and the printed public
// key constants carry the key the signature verifies with.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyPairSync } from "node:crypto";
import { OtaUpdater } from "../modules/ota/updater.js";
import { fromHex } from "../modules/util/hex.js";
import { nodeSha256, nodeVerifier } from "../hosts/node/ota-crypto.js";
import { fakeAppImage, SimulatedEsp32 } from "./ota-device.js";

const cli = fileURLToPath(new URL("../hosts/node/cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "metertap-sign-"));
const keyPath = join(dir, "key.pem");
const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
writeFileSync(keyPath, privateKey.export({ type: "sec1", format: "pem" }));
const pem = readFileSync(keyPath, "utf8");

const metertap = (...args: string[]) => spawnSync(process.execPath, [cli, "sign-image", ...args], { encoding: "utf8" });

test("sign-image output installs on a device that compiled in the printed key", (t) => {
  const app = fakeAppImage(65_537, 7);
  writeFileSync(join(dir, "app.bin"), app);
  const signed = metertap("--key", keyPath, "--target", "esp32/nodemcu", "--version", "2.0.1", join(dir, "app.bin"), join(dir, "app.signed"));
  t.is(signed.status, 0, signed.stderr);
  t.regex(signed.stdout, /signed 65537 bytes for esp32\/nodemcu version 2\.0\.1/);
  t.false(signed.stdout.includes("PRIVATE") || signed.stderr.includes("PRIVATE"));

  const ts = execFileSync(process.execPath, [cli, "sign-image", "--key", keyPath, "--public-key"], { encoding: "utf8" });
  const hex = /OTA_PUBLIC_KEY = "([0-9a-f]{130})"/.exec(ts)![1];
  const c = execFileSync(process.execPath, [cli, "sign-image", "--key", keyPath, "--public-key", "--format", "c"], { encoding: "utf8" });
  const cBytes = [...c.matchAll(/0x([0-9a-f]{2})/g)].map((m) => m[1]).join("");
  t.is(cBytes, hex, "the C and TS constants hold the same key");
  t.false(ts.includes(pem.split("\n")[1]), "the private key is never printed");

  const device = new SimulatedEsp32(fakeAppImage(1000, 1));
  const updater = new OtaUpdater({
    sink: device.sink(), sha256: nodeSha256, verifier: nodeVerifier(fromHex(hex)!),
    policy: { target: "esp32/nodemcu", running: { major: 2, minor: 0, patch: 0 }, slotSize: device.slotSize },
  });
  updater.begin();
  updater.write(new Uint8Array(readFileSync(join(dir, "app.signed"))));
  t.deepEqual(updater.finish(), { ok: true, version: "2.0.1", bytes: app.length });
  device.reset();
  t.deepEqual(device.runningImage, app);
});

test("sign-image refuses bad arguments and non-P-256 keys", (t) => {
  t.is(metertap("--key", keyPath, "--target", "esp32", "--version", "1.2", "a", "b").status, 2);
  t.is(metertap("--key", keyPath, "--version", "1.2.3", "a", "b").status, 2);
  t.is(metertap("--key", keyPath, "--public-key", "--format", "rust").status, 2);
  const { privateKey: rsa } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  writeFileSync(join(dir, "rsa.pem"), rsa.export({ type: "pkcs8", format: "pem" }));
  const r = metertap("--key", join(dir, "rsa.pem"), "--public-key");
  t.not(r.status, 0);
  t.regex(r.stderr, /not an ECDSA P-256/);
});
