// OTA on Node: real ECDSA P-256 signatures (node:crypto) against a simulated ESP32 with two
// slots and ESP-IDF's rollback rules.
import test from "ava";
import fc from "fast-check";
import { generateKeyPairSync } from "node:crypto";
import { OtaUpdater } from "../modules/ota/updater.js";
import type { OtaPolicy, OtaResult } from "../modules/ota/updater.js";
import { HealthCheck } from "../modules/ota/health.js";
import { decodeHeader, HEADER_LENGTH, parseVersion } from "../modules/ota/image.js";
import { parseOtaCommand, redactUrl } from "../modules/ota/command.js";
import { nodeSha256, nodeVerifier, rawPublicKey, signImage } from "../hosts/node/ota-crypto.js";
import { fakeAppImage, SimulatedEsp32 } from "./ota-device.js";

const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const { privateKey: otherKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const publicKey = rawPublicKey(privateKey);
const TARGET = "esp32/nodemcu";
const v = (s: string) => parseVersion(s)!;

const oldApp = fakeAppImage(150_000, 1);
const newApp = fakeAppImage(200_003, 2);
const goodImage = signImage(newApp, { target: TARGET, version: v("1.3.0") }, privateKey);

function setup(policy: Partial<OtaPolicy> = {}) {
  const device = new SimulatedEsp32(oldApp);
  const updater = new OtaUpdater({
    sink: device.sink(),
    sha256: nodeSha256,
    verifier: nodeVerifier(publicKey),
    policy: { target: TARGET, running: v("1.2.0"), slotSize: device.slotSize, ...policy },
  });
  return { device, updater };
}

function stream(updater: OtaUpdater, image: Uint8Array, chunk = 1460): OtaResult {
  updater.begin();
  for (let at = 0; at < image.length; at += chunk) {
    if (!updater.write(image.subarray(at, at + chunk))) break;
  }
  return updater.finish();
}

function expectRejected(t: any, image: Uint8Array, error: string, policy: Partial<OtaPolicy> = {}) {
  const { device, updater } = setup(policy);
  const r = stream(updater, image);
  t.false(r.ok);
  t.is((r as { error: string }).error, error);
  device.reset();
  t.is(device.runningImage, oldApp, "the old image still boots");
  return device;
}

test("a good image installs, boots pending, and is confirmed by the health check", (t) => {
  const { device, updater } = setup();
  const r = stream(updater, goodImage);
  t.deepEqual(r, { ok: true, version: "1.3.0", bytes: newApp.length });
  t.is(updater.state, "installed");
  device.reset();
  t.deepEqual(device.runningImage, newApp);
  const health = new HealthCheck(device.bootControl(), { deadlineMs: 60_000 });
  health.start(1000);
  t.is(health.state, "waiting");
  t.is(health.remainingMs(11_000), 50_000);
  health.frameDecoded(5000);
  t.is(health.state, "waiting", "a frame alone is not enough");
  health.mqttConnected(9000);
  t.is(health.state, "confirmed");
  t.is(device.slots[device.running].state, "valid");
  device.reset();
  t.deepEqual(device.runningImage, newApp, "a confirmed image keeps booting");
});

test("any chunking of a good image installs it", (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 40 }), (sizes) => {
      const { device, updater } = setup();
      updater.begin();
      let at = 0;
      for (let i = 0; at < goodImage.length; i++) {
        const n = sizes[i % sizes.length];
        updater.write(goodImage.subarray(at, at + n));
        at += n;
      }
      const r = updater.finish();
      device.reset();
      return r.ok && device.runningImage.length === newApp.length && device.runningImage[12345] === newApp[12345];
    }),
    { numRuns: 30 },
  );
  t.pass();
});

test("a tampered payload, header or signature is rejected before complete()", (t) => {
  for (const offset of [HEADER_LENGTH + 1000, 13 /* version minor */, 25 /* target */, goodImage.length - 1]) {
    const bad = goodImage.slice();
    bad[offset] ^= 0x01;
    // Header edits change the policy or the digest; every one must fail.
    const { device, updater } = setup();
    const r = stream(updater, bad);
    t.false(r.ok, `flip at ${offset}`);
    device.reset();
    t.is(device.runningImage, oldApp);
  }
  expectRejected(t, (() => { const b = goodImage.slice(); b[HEADER_LENGTH + 77_777] ^= 0x80; return b; })(), "signature");
});

test("one flipped bit anywhere never installs", (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: goodImage.length - 1 }), fc.integer({ min: 0, max: 7 }), (at, bit) => {
      const bad = goodImage.slice();
      bad[at] ^= 1 << bit;
      const { device, updater } = setup();
      const r = stream(updater, bad, 4096);
      device.reset();
      return !r.ok && device.runningImage === oldApp;
    }),
    { numRuns: 60 },
  );
  t.pass();
});

test("an image signed with another key is rejected", (t) => {
  expectRejected(t, signImage(newApp, { target: TARGET, version: v("1.3.0") }, otherKey), "signature");
});

test("truncated images are rejected: in the header, the payload and the signature", (t) => {
  for (const length of [10, HEADER_LENGTH, HEADER_LENGTH + 5000, goodImage.length - 64, goodImage.length - 1]) {
    expectRejected(t, goodImage.subarray(0, length), "truncated");
  }
});

test("bytes after the signature are rejected", (t) => {
  const longer = new Uint8Array(goodImage.length + 1);
  longer.set(goodImage);
  expectRejected(t, longer, "overflow");
});

test("an unsigned (raw ESP-IDF) image is rejected without touching the slot", (t) => {
  const device = expectRejected(t, newApp, "unsigned");
  t.is(device.erases, 0);
});

test("wrong target and oversize images are rejected before the slot is erased", (t) => {
  let device = expectRejected(t, signImage(newApp, { target: "esp32/m5atom", version: v("1.3.0") }, privateKey), "target");
  t.is(device.erases, 0);
  device = expectRejected(t, goodImage, "too-large", { slotSize: 100_000 });
  t.is(device.erases, 0);
});

test("downgrades and re-installs are refused unless re-install is allowed", (t) => {
  for (const version of ["1.1.9", "0.9.0", "1.2.0"]) {
    const device = expectRejected(t, signImage(newApp, { target: TARGET, version: v(version) }, privateKey), "downgrade");
    t.is(device.erases, 0);
  }
  const { updater } = setup({ allowSameVersion: true });
  t.true(stream(updater, signImage(newApp, { target: TARGET, version: v("1.2.0") }, privateKey)).ok);
});

test("a power cut mid-download leaves the old image booting, and the next download works", (t) => {
  const { device, updater } = setup();
  updater.begin();
  updater.write(goodImage.subarray(0, 120_000));
  device.reset(); // power cut: the process is gone, otadata was never touched
  t.is(device.runningImage, oldApp);
  const retry = new OtaUpdater({
    sink: device.sink(), sha256: nodeSha256, verifier: nodeVerifier(publicKey),
    policy: { target: TARGET, running: v("1.2.0"), slotSize: device.slotSize },
  });
  t.true(stream(retry, goodImage).ok);
  device.reset();
  t.deepEqual(device.runningImage, newApp);
});

test("a connection lost mid-download cancels the slot", (t) => {
  const { device, updater } = setup();
  updater.begin();
  updater.write(goodImage.subarray(0, 50_000));
  const r = updater.abort("connection closed");
  t.deepEqual(r, { ok: false, error: "truncated", message: "connection closed" });
  t.false(updater.write(goodImage.subarray(50_000, 60_000)), "a failed download stays failed");
  device.reset();
  t.is(device.runningImage, oldApp);
});

test("a failed health check rolls back to the previous image", (t) => {
  const { device, updater } = setup();
  t.true(stream(updater, goodImage).ok);
  device.reset();
  t.deepEqual(device.runningImage, newApp);
  const health = new HealthCheck(device.bootControl(), { deadlineMs: 60_000 });
  health.start(0);
  health.frameDecoded(2000); // meter fine, but MQTT never connects
  health.tick(59_999);
  t.is(health.state, "waiting");
  health.tick(60_000);
  t.is(health.state, "rolled-back");
  t.is(device.runningImage, oldApp, "rolled back to the old image");
  t.is(device.slots[1 - device.running].state, "invalid");
  device.reset();
  t.is(device.runningImage, oldApp, "the bad image is never booted again");
});

test("a reset before confirmation also rolls back (boot loop guard)", (t) => {
  const { device, updater } = setup();
  t.true(stream(updater, goodImage).ok);
  device.reset();
  t.deepEqual(device.runningImage, newApp);
  device.reset(); // crashed before the health check passed
  t.is(device.runningImage, oldApp);
});

test("an image that was not freshly installed needs no health check", (t) => {
  const device = new SimulatedEsp32(oldApp);
  device.reset();
  const health = new HealthCheck(device.bootControl(), { deadlineMs: 10 });
  health.start(0);
  health.tick(1_000_000);
  t.is(health.state, "not-pending");
  t.is(device.runningImage, oldApp);
  t.is(device.boots, 1);
});

test("configuration and history survive an update and a rollback", (t) => {
  const { device, updater } = setup();
  device.nvs.set("mqtt_url", "mqtt://broker.local");
  const history = device.history.slice();
  t.true(stream(updater, goodImage).ok);
  device.reset();
  const health = new HealthCheck(device.bootControl(), { deadlineMs: 1000 });
  health.start(0);
  health.tick(1000); // no proof at all
  t.is(device.runningImage, oldApp);
  t.is(device.nvs.get("mqtt_url"), "mqtt://broker.local");
  t.deepEqual(device.history, history);
});

test("the header round-trips and rejects malformed fields", (t) => {
  const h = decodeHeader(goodImage.subarray(0, HEADER_LENGTH));
  t.deepEqual(h, { payloadLength: newApp.length, version: { major: 1, minor: 3, patch: 0 }, target: TARGET });
  const bad = goodImage.slice(0, HEADER_LENGTH);
  bad[4] = 2;
  t.is((decodeHeader(bad) as { error: string }).error, "malformed");
  const spaced = goodImage.slice(0, HEADER_LENGTH);
  spaced[21] = 0x20;
  t.is((decodeHeader(spaced) as { error: string }).error, "malformed");
  t.is(parseVersion("1.2"), undefined);
  t.is(parseVersion("1.2.70000"), undefined);
});

test("OTA commands: only http(s) URLs, and credentials are redacted", (t) => {
  t.deepEqual(parseOtaCommand({ url: "https://fw.example/metertap-1.3.0.bin" }), { url: "https://fw.example/metertap-1.3.0.bin" });
  t.deepEqual(parseOtaCommand({ url: "ftp://x/y" }), { error: "url must be http:// or https:// without spaces" });
  t.deepEqual(parseOtaCommand({ url: "http://host/a b" }), { error: "url must be http:// or https:// without spaces" });
  t.deepEqual(parseOtaCommand(null), { error: "missing url" });
  t.deepEqual(parseOtaCommand({ url: 7 }), { error: "missing url" });
  t.is(redactUrl("http://admin:s3cret@10.0.0.2/fw.bin"), "http://***@10.0.0.2/fw.bin");
  t.is(redactUrl("http://host/fw.bin"), "http://host/fw.bin");
});
