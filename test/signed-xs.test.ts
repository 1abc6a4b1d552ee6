// Signed records on the dongle's path, under the real XS engine: the firmware with a Signer port
// (node:crypto standing in for PSA) signs each closed quarter-hour, day and month into the flash
// history; the records survive a reboot; the MQTT `history` command and the local page export
// them; `metertap verify` and openssl check every one; a record forged in flash (with a valid CRC)
// fails its signature.
import test from "ava";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import { crc16X25 } from "../modules/util/crc16.js";
import { startXs } from "./helpers/xs.js";

const cli = fileURLToPath(new URL("../hosts/node/cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "metertap-signed-xs-"));
const metertap = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
const payload = (line: string) => JSON.parse(line.slice(5, line.lastIndexOf("|")));

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const jwk = publicKey.export({ format: "jwk" });
const point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]).toString("hex");
let signatures = 0;
// The worker's Signer port: "public", or "sign <hex message>" -> DER signature (hex).
async function signerPort(request: Uint8Array): Promise<Uint8Array> {
  const text = Buffer.from(request).toString("latin1");
  if (text === "public") return Buffer.from(point);
  signatures++;
  return Buffer.from(sign("sha256", Buffer.from(text.slice(5), "hex"), { key: privateKey, dsaEncoding: "der" }).toString("hex"));
}

/** Flips the first register of the image's first quarter-hour (a key record) by 1 Wh, with a valid CRC. */
function forge(image: Buffer): Buffer {
  const out = Buffer.from(image);
  const at = 16; // block 0, first record: the profile store's oldest interval
  if ((out[at + 1] & 0x0f) !== 0) throw new Error("expected an interval key record");
  let p = at + 2;
  for (let field = 0; field < 3; field++) while (out[p++] & 0x80);
  // The register's first varint byte: +1 keeps its length unless its low bits are all set.
  out[p] = (out[p] & 0x7f) === 0x7f ? out[p] - 1 : out[p] + 1;
  const end = at + 2 + out[at];
  const crc = crc16X25(out, at, end) & 0x7fff;
  out[end] = crc & 0xff;
  out[end + 1] = crc >>> 8;
  return out;
}

test("XS: records signed into flash survive a reboot, export over MQTT and the page, and verify; a forged one does not", async (t) => {
  const start = Date.UTC(2026, 2, 31, 22);
  const g = new Dsmr5Generator({ startMs: start, intervalS: 30, meterId: "E0099000000000001" });
  const telegrams = (n: number) => Array.from({ length: n }, () => Buffer.from(g.next().bytes).toString("latin1")).join("\f");
  // 22:00-00:40, reboot, 00:40-02:10: across midnight and the month's end (UTC).
  const input = [String(start), telegrams(320), telegrams(180)].join("\v");
  const xs = await startXs("test/xs/signed.entry.ts", signerPort);
  let out: { mqtt: string[]; replies: number; page: string; contentType: string; image: string };
  try {
    const { reply, compute } = await xs.command(input);
    out = JSON.parse(reply);
    t.log(`500 telegrams, ${signatures} signatures, export: ${compute} compute units`);
  } finally {
    await xs.close();
  }
  const lines = out.mqtt;
  // 22:00..01:45 closed: 16 quarter-hours, plus 31 March and March itself, each signed once.
  t.is(lines.length, 18);
  t.is(signatures, 18);
  t.deepEqual(lines.map((l) => payload(l).PG), Array.from({ length: 18 }, (_, i) => `T${i + 1}`));
  const streams = lines.map((l) => payload(l).XS);
  t.is(streams.filter((s) => s === "quarter-hour").length, 16);
  t.deepEqual(lines.filter((l) => payload(l).XS !== "quarter-hour").map((l) => [payload(l).XS, payload(l).XP]), [["daily", "2026-03-31"], ["monthly", "2026-03"]]);
  // Records of the first boot are still there after the reboot, numbered on without a gap.
  t.is(payload(lines[0]).RD[0].TM, "2026-03-31T22:00:00Z");
  t.like(payload(lines[0]), { GS: "xs-dongle", GV: "9.9.9", MS: "E0099000000000001" });
  // About 1.6 KB a line, 6,000 characters a reply (MAX_REPLY_CHARS): 3 lines a reply.
  t.is(out.replies, 6, "3 records a reply, each asking after the last counter of the one before");
  t.is(out.page, lines.join("\n") + "\n", "the page exports the same lines");
  t.is(out.contentType, "text/plain; charset=utf-8");

  const file = join(dir, "signed.txt");
  writeFileSync(file, out.page);
  const verified = metertap("verify", "--public-key", point, file);
  t.is(verified.status, 0, verified.stdout + verified.stderr);
  t.regex(verified.stdout, /18 records verified, 0 problem/);
  const pem = join(dir, "pub.pem");
  writeFileSync(pem, publicKey.export({ type: "spki", format: "pem" }));
  lines.forEach((line, i) => {
    const data = join(dir, `data${i}`);
    const sig = join(dir, `sig${i}.der`);
    writeFileSync(data, line.slice(5, line.lastIndexOf("|")));
    writeFileSync(sig, Buffer.from(JSON.parse(line.slice(line.lastIndexOf("|") + 1)).SD, "hex"));
    t.is(spawnSync("openssl", ["dgst", "-sha256", "-verify", pem, "-signature", sig, data], { encoding: "utf8" }).stdout.trim(), "Verified OK", `line ${i + 1}`);
  });

  // Node mounts the image XS wrote: the same signed lines, and the plain history beside them.
  const image = Buffer.from(out.image, "hex");
  const imageFile = join(dir, "dongle.bin");
  writeFileSync(imageFile, image);
  t.is(metertap("history", "--flash", imageFile, "--signed").stdout, out.page);
  const qh = metertap("history", "--flash", imageFile, "--stream", "quarter-hour").stdout.trim().split("\n").map((l) => JSON.parse(l));
  t.is(qh.length, 16);
  const imp = payload(lines[1]).RD.filter((r: { RI: string }) => r.RI === "1-0:1.8.0");
  t.deepEqual([imp[0].RV, imp[1].RV], [qh[1].registers["+A"] - qh[1].delta["+A"], qh[1].registers["+A"]]);

  // A forger who knows the format rewrites the first quarter-hour in flash with a valid CRC.
  const forgedFile = join(dir, "forged.bin");
  writeFileSync(forgedFile, forge(image));
  const forgedLines = metertap("history", "--flash", forgedFile, "--signed").stdout;
  t.not(forgedLines, out.page);
  writeFileSync(join(dir, "forged.txt"), forgedLines);
  const forged = metertap("verify", "--public-key", point, join(dir, "forged.txt"));
  t.is(forged.status, 1);
  t.regex(forged.stdout, /line 1 \(record 1\): signature does not verify/);
  // The forged register carries through its block's delta chain to every quarter-hour after it;
  // the day and the month (records 9 and 10, in the billing store) still verify.
  t.regex(forged.stdout, /2 records verified, 16 problem/);
  t.notRegex(forged.stdout, /\(record (9|10)\)/);
});
