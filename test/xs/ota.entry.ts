// The OTA core under XS: streams an image through OtaUpdater with a recording sink, then runs a
// health check. The signature check is a lookup in pairs node:crypto verified, so XS decides
// with its own header parsing, hashing, policy and state machine.
import { serve } from "./serve.js";
// xsnap has no crypto; on the device the hash is native (PSA). @noble/hashes is pure JS.
import { sha256 } from "@noble/hashes/sha2.js";
import { OtaUpdater } from "../../modules/ota/updater.js";
import { HealthCheck } from "../../modules/ota/health.js";
import { fromHex, toHex } from "../../modules/util/hex.js";

interface Request {
  image: string;
  trusted: [string, string][];
  running: [number, number, number];
  target: string;
  chunk: number;
}

serve((input) => {
  const req = JSON.parse(input) as Request;
  const image = fromHex(req.image)!;
  const calls: string[] = [];
  let written = 0;
  let lastDigest = "";
  const updater = new OtaUpdater({
    sink: {
      begin: (n) => void calls.push(`begin:${n}`),
      write: (b) => void (written += b.length),
      complete: () => void calls.push("complete"),
      cancel: () => void calls.push("cancel"),
    },
    sha256: () => {
      const h = sha256.create();
      return { update: (b) => h.update(b), digest: () => { const d = h.digest(); lastDigest = toHex(d); return d; } };
    },
    verifier: { verify: (d, s) => req.trusted.some(([dh, sh]) => dh === toHex(d) && sh === toHex(s)) },
    policy: { target: req.target, running: { major: req.running[0], minor: req.running[1], patch: req.running[2] }, slotSize: 1 << 20 },
  });
  updater.begin();
  for (let at = 0; at < image.length; at += req.chunk) updater.write(image.subarray(at, at + req.chunk));
  const result = updater.finish();

  let pending = true;
  const events: string[] = [];
  const health = new HealthCheck({ pendingVerify: () => pending, markValid: () => { pending = false; events.push("valid"); }, rollback: () => void events.push("rollback") }, { deadlineMs: 1000 });
  health.start(0);
  health.frameDecoded(10);
  health.tick(999);
  health.mqttConnected(1000);
  return JSON.stringify({ result, calls, written, digest: lastDigest, health: health.state, events });
});
