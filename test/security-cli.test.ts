// The `metertap decode` contract on every encrypted corpus case, and the rule that no key ever
// reaches an output: CLI stdout/stderr, DecodeResult JSON and error messages are searched for
// every 12-digit window of every key used.
import test from "ava";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { decodeAll } from "../modules/decode/decoder.js";
import { toContractJson } from "../modules/reading/model.js";
import { parseKey } from "../modules/security/keys.js";
import { nodeCipher } from "../hosts/node/cipher.js";
import { buildGlo, ENCRYPTED_CASES, encryptedCase } from "./security-frames.js";
import { readCase } from "./helpers/corpus.js";

const cli = fileURLToPath(new URL("../hosts/node/cli.js", import.meta.url));
const WRONG = "00112233445566778899aabbccddeeff";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function decode(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [cli, "decode", ...args], { encoding: "utf8", env: { PATH: process.env.PATH, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function lines(run: Run): any[] {
  return run.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

/** Everything any test here printed or produced, for the secrets check at the end. */
const outputs: string[] = [];
const keysUsed = new Set<string>([WRONG]);
const record = (run: Run): Run => {
  outputs.push(run.stdout, run.stderr);
  return run;
};

for (const id of ENCRYPTED_CASES) {
  const c = encryptedCase(id);
  keysUsed.add(c.key);
  if (c.authKey) keysUsed.add(c.authKey);
  const keyArgs = c.authKey ? ["--auth-key", c.authKey] : c.aad !== undefined ? ["--aad", c.aad] : [];
  const luxembourg = id.startsWith("enc-dsmr");

  test.serial(`decode --key ${keyArgs.map((a) => (a === "" ? `""` : a)).join(" ")} ${id}`, (t) => {
    const run = record(decode(["--key", c.key, ...keyArgs, readCase(id).path]));
    const [r, ...rest] = lines(run);
    t.is(rest.length, 0);
    t.true(r.encrypted);
    t.deepEqual(r.security, { systemTitle: c.systemTitle, frameCounter: c.frameCounter, securityControl: c.securityControl });
    // The Luxembourg spec telegrams carry a wrong CRC in clear too.
    t.is(r.ok, !luxembourg);
    if (luxembourg) t.is(r.error, "crc");
    t.true(Object.keys(r.values).length > 10);
    t.is(run.code, luxembourg ? 1 : 0);
  });

  test.serial(`decode with a wrong key reports key or auth, no values: ${id}`, (t) => {
    for (const args of [["--key", WRONG, ...keyArgs], ["--key", WRONG]]) {
      const run = record(decode([...args, readCase(id).path]));
      const [r] = lines(run);
      t.false(r.ok);
      t.true(r.encrypted);
      t.is(r.error, c.aad !== undefined && args.length > 2 ? "auth" : "key", args.join(" "));
      t.deepEqual(r.values, {});
      t.is(run.code, 1);
    }
  });
}

test.serial("KEY and AAD from the environment", (t) => {
  const c = encryptedCase(ENCRYPTED_CASES[1]);
  const [r] = lines(record(decode([readCase(c.id).path], { KEY: c.key.toUpperCase(), AAD: "" })));
  t.is(r.error, "crc");
  t.true(r.encrypted);
  const [bad] = lines(record(decode([readCase(c.id).path], { KEY: c.key, AAD: "30" + WRONG })));
  t.is(bad.error, "auth");
});

test.serial("METERTAP_KEY and METERTAP_AAD come first, and stderr names the variable read, never its value", (t) => {
  const c = encryptedCase(ENCRYPTED_CASES[2]);
  const run = record(decode([readCase(c.id).path], { METERTAP_KEY: c.key, KEY: WRONG, METERTAP_AAD: c.authKey!, AAD: WRONG }));
  const [r] = lines(run);
  t.true(r.ok, r.message);
  t.regex(run.stderr, /decryption key from the environment variable METERTAP_KEY/);
  t.regex(run.stderr, /authentication key from the environment variable METERTAP_AAD/);
  const old = record(decode([readCase(c.id).path], { KEY: c.key }));
  t.regex(old.stderr, /decryption key from the environment variable KEY\n/);
  t.false(run.stderr.toLowerCase().includes(c.key.slice(0, 12)));
});

test.serial("malformed keys stop the CLI with a clear message before any frame", (t) => {
  const c = encryptedCase(ENCRYPTED_CASES[0]);
  const typo = c.key.slice(0, 31) + "g";
  for (const [args, message] of [
    [["--key", typo], /--key: contains a character that is not a hex digit/],
    [["--key", c.key.slice(0, 30)], /--key: expected 32 hex digits \(a 128-bit key\), got 30/],
    [["--key", c.key, "--auth-key", c.authKey + "00"], /--auth-key: expected 32 hex digits/],
    [["--key", c.key, "--aad", "30f"], /--aad: expected an even number of hex digits/],
  ] as [string[], RegExp][]) {
    const run = record(decode([...args, readCase(c.id).path]));
    t.is(run.code, 2);
    t.is(run.stdout, "");
    t.regex(run.stderr, message);
    t.false(run.stderr.includes(args[args.length - 1]), "the bad key is not echoed");
  }
});

test.serial("no key appears in any output, result or error message", (t) => {
  // DecodeResult JSON of every outcome, in process.
  const plain = readCase("dsmr-athombv-dsmr-5.0-isk-1").bytes;
  for (const id of ENCRYPTED_CASES) {
    const c = encryptedCase(id);
    const key = new Uint8Array(Buffer.from(c.key, "hex"));
    for (const o of [{ cipher: nodeCipher, encryptionKey: key }, { cipher: nodeCipher, encryptionKey: key, authenticationKey: parseKey(WRONG, "AK") }]) {
      for (const r of decodeAll(Buffer.concat([c.apdu, buildGlo(plain, c.key, 9), buildGlo(plain, c.key, 9), buildGlo(plain, WRONG, 10)]), o)) {
        outputs.push(toContractJson(r), JSON.stringify(r), r.message ?? "");
      }
    }
  }
  for (const text of [WRONG.slice(1), WRONG + "0", WRONG.replace("f", "x")]) {
    try {
      parseKey(text, "--key");
    } catch (e) {
      outputs.push((e as Error).message);
    }
  }
  const all = outputs.join("\n").toLowerCase();
  t.true(all.length > 10000, "the search covers real output");
  t.true(keysUsed.size >= 4);
  for (const key of keysUsed) {
    for (let i = 0; i + 12 <= key.length; i++) t.false(all.includes(key.slice(i, i + 12)), `key window ${i}`);
  }
});
