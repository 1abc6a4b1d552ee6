// Signed records: `run --sign` signs each closed quarter-hour (and day, month) with a device key that
// survives restarts; openssl verifies the signatures on its own; `metertap verify` reports an altered,
// a removed and a reordered record; the public key is in diag and from the CLI, the private key nowhere.
import test from "ava";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createPublicKey } from "node:crypto";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import { Mosquitto, subscriber } from "./mqtt/mosquitto.js";
import { START_MS } from "./fleet-captures.js";

const cli = fileURLToPath(new URL("../hosts/node/cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "metertap-signed-"));
const metertap = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: dir });

function capture(name: string, startMs: number, telegrams: number): string {
  const g = new Dsmr5Generator({ startMs, intervalS: 10, meterId: "SIG1" });
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(Array.from({ length: telegrams }, () => g.next().bytes)));
  return `file:${path}`;
}

/** Writes a line's payload and DER signature as files, for openssl. */
function split(line: string, n: number): { data: string; sig: string } {
  const cut = line.lastIndexOf("|");
  const data = join(dir, `data${n}`);
  const sig = join(dir, `sig${n}.der`);
  writeFileSync(data, line.slice(5, cut));
  writeFileSync(sig, Buffer.from(JSON.parse(line.slice(cut + 1)).SD, "hex"));
  return { data, sig };
}

test("signed records: openssl verifies them, verify finds tampering, the key survives a restart and stays private", async (t) => {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.stop());
  const flash = join(dir, "meter.bin");
  const watch = await subscriber(broker.url, ["#"]);
  // Two runs: 10:00-12:00, then 12:00-14:00 (the restart loads the same key and counter).
  const first = metertap("run", "--source", capture("a.txt", START_MS, 720), "--flash", flash, "--sign", "--device-id", "sig", "--mqtt", broker.url, "--quiet");
  t.is(first.status, 0, first.stderr);
  const pem1 = metertap("history", "--flash", flash, "--public-key").stdout;
  const second = metertap("run", "--source", capture("b.txt", START_MS + 7_200_000, 720), "--flash", flash, "--sign", "--device-id", "sig", "--mqtt", broker.url, "--quiet");
  t.is(second.status, 0, second.stderr);
  const pem = metertap("history", "--flash", flash, "--public-key").stdout;
  t.regex(pem, /^-----BEGIN PUBLIC KEY-----/);
  t.is(pem, pem1, "the device key survives the restart");
  const pemFile = join(dir, "pub.pem");
  writeFileSync(pemFile, pem);

  const exported = metertap("history", "--flash", flash, "--signed");
  const lines = exported.stdout.trim().split("\n");
  // 10:00 .. 13:30 closed: 15 quarter-hours, counters 1..15 across both runs.
  t.is(lines.length, 15);
  t.deepEqual(lines.map((l) => JSON.parse(l.slice(5, l.lastIndexOf("|"))).PG), Array.from({ length: 15 }, (_, i) => `T${i + 1}`));
  const p = JSON.parse(lines[0].slice(5, lines[0].lastIndexOf("|")));
  t.is(p.XS, "quarter-hour");
  t.is(p.GS, "sig");
  const imp = p.RD.filter((r: { RI: string }) => r.RI === "1-0:1.8.0");
  t.deepEqual(imp.map((r: { TM: string; TX: string; RU: string }) => [r.TM, r.TX, r.RU]), [["2026-03-28T10:00:00Z", "B", "Wh"], ["2026-03-28T10:15:00Z", "E", "Wh"]]);
  // The same numbers as the unsigned history record.
  const qh = JSON.parse(metertap("history", "--flash", flash, "--stream", "quarter-hour").stdout.split("\n")[0]);
  t.is(imp[1].RV, qh.registers["+A"]);
  t.is(imp[1].RV - imp[0].RV, qh.delta["+A"]);

  // openssl, independently: every signature verifies; a changed payload does not.
  lines.forEach((line, i) => {
    const { data, sig } = split(line, i);
    const r = spawnSync("openssl", ["dgst", "-sha256", "-verify", pemFile, "-signature", sig, data], { encoding: "utf8" });
    t.is(r.stdout.trim(), "Verified OK", `line ${i + 1}`);
  });
  const { data, sig } = split(lines[0].replace(`"RV":${imp[1].RV}`, `"RV":${imp[1].RV - 1}`), 99);
  t.regex(spawnSync("openssl", ["dgst", "-sha256", "-verify", pemFile, "-signature", sig, data], { encoding: "utf8" }).stdout, /Verification failure/);

  const check = (name: string, content: string[]) => {
    writeFileSync(join(dir, name), content.join("\n") + "\n");
    return metertap("verify", "--public-key", pemFile, join(dir, name));
  };
  const ok = check("all.txt", lines);
  t.is(ok.status, 0, ok.stdout);
  t.regex(ok.stdout, /15 records verified, 0 problem/);
  const altered = check("altered.txt", lines.map((l, i) => (i === 2 ? l.replace(/"RV":(\d+)/, (_m, v) => `"RV":${Number(v) + 1}`) : l)));
  t.is(altered.status, 1);
  t.regex(altered.stdout, /line 3 \(record 3\): signature does not verify/);
  const removed = check("removed.txt", lines.filter((_, i) => i !== 4));
  t.is(removed.status, 1);
  t.regex(removed.stdout, /record 6 after 4: 1 record\(s\) missing/);
  const swapped = lines.slice();
  [swapped[6], swapped[7]] = [swapped[7], swapped[6]];
  const reordered = check("reordered.txt", swapped);
  t.is(reordered.status, 1);
  t.regex(reordered.stdout, /record 7 after 8: out of order/);

  // diag carries the public key; the private key is in the key file only.
  const spki = createPublicKey(pem).export({ format: "jwk" });
  const point = Buffer.concat([Buffer.of(4), Buffer.from(spki.x!, "base64url"), Buffer.from(spki.y!, "base64url")]).toString("hex");
  // (spawnSync held this process's event loop: let the subscriber read what the broker sent.)
  await new Promise((r) => setTimeout(r, 1000));
  const diag = watch.messages.filter((m) => m.topic === "metertap/sig/diag").map((m) => JSON.parse(m.payload));
  t.true(diag.length > 0, [...new Set(watch.messages.map((m) => m.topic))].join(" "));
  t.is(diag.at(-1).device.signing_public_key, point);
  // The key as diag (and a dongle's page) shows it is enough to verify.
  const byPoint = metertap("verify", "--public-key", point, join(dir, "all.txt"));
  t.is(byPoint.status, 0, byPoint.stderr);
  t.regex(byPoint.stdout, /15 records verified, 0 problem/);
  const privateKey = JSON.parse(readFileSync(`${flash}.kv.json`, "utf8"))["sig-key"] as string;
  t.true(privateKey.length > 100);
  const everything = [first.stdout, first.stderr, second.stdout, second.stderr, exported.stdout, pem, ...watch.messages.map((m) => m.payload)].join("\n");
  for (const form of [privateKey, Buffer.from(privateKey, "base64").toString("hex")]) t.false(everything.includes(form.slice(0, 40)));
  await watch.client.endAsync();
});
