// The security layer under the real XS engine gives exactly Node's results, for every encrypted
// corpus case and key situation, and for a replayed stream.
import test from "ava";
import { Decoder } from "../modules/decode/decoder.js";
import type { DecoderOptions } from "../modules/decode/protocol.js";
import { toContractJson } from "../modules/reading/model.js";
import { nodeCipher } from "../hosts/node/cipher.js";
import { withDsmrCrc } from "../hosts/node/dsmr-generator.js";
import { startXs } from "./helpers/xs.js";
import { buildGlo, ENCRYPTED_CASES, encryptedCase } from "./security-frames.js";

const WRONG = "00112233445566778899aabbccddeeff";

interface Command {
  input: string;
  key?: string;
  authKey?: string;
  aad?: string;
  payload?: boolean;
}

function onNode(c: Command): string {
  const o: DecoderOptions = { cipher: nodeCipher };
  if (c.key) o.encryptionKey = Buffer.from(c.key, "hex");
  if (c.authKey) o.authenticationKey = Buffer.from(c.authKey, "hex");
  if (c.aad !== undefined) o.aad = Buffer.from(c.aad, "hex");
  const lines: string[] = [];
  const d = new Decoder(o, (r) => lines.push(toContractJson(r)));
  const input = Buffer.from(c.input, "hex");
  if (c.payload) lines.push(toContractJson(d.decodePayload(input, false)));
  else {
    d.push(input);
    d.flush();
  }
  lines.push(JSON.stringify(d.stats));
  return lines.join("\n");
}

test("encrypted corpus cases: XS output is identical to Node's, for right, wrong and missing keys", async (t) => {
  const xs = await startXs("test/xs/security.entry.ts");
  try {
    let commands = 0;
    let compute = 0;
    for (const id of ENCRYPTED_CASES) {
      const c = encryptedCase(id);
      const payload = !id.startsWith("enc-dsmr");
      const input = Buffer.from(payload ? c.apdu : c.bytes).toString("hex");
      const keyings: Omit<Command, "input">[] = [
        { key: c.key, authKey: c.authKey, aad: c.authKey ? undefined : c.aad },
        { key: c.key },
        { key: WRONG },
        { key: WRONG, authKey: c.authKey ?? WRONG },
        {},
      ];
      for (const k of keyings) {
        const command: Command = { input, payload, ...k };
        const node = onNode(command);
        const reply = await xs.command(JSON.stringify(command));
        t.is(reply.reply, node, `${id} ${JSON.stringify(k)}`);
        commands++;
        compute += reply.compute;
      }
    }
    t.is(commands, 25);
    t.log(`25 commands identical under XS; mean compute ${Math.round(compute / commands)} units`);
  } finally {
    await xs.close();
  }
});

test("a stream with replays, a forged tag and a truncated frame: same results and counts under XS", async (t) => {
  const xs = await startXs("test/xs/security.entry.ts");
  try {
    const key = "000102030405060708090a0b0c0d0e0f";
    // Small, so the whole command stays under what serve()'s latin1 can take in one XS call.
    const text = "/ISK5\\2M550T-1011\r\n\r\n1-0:1.8.1(000123.456*kWh)\r\n!";
    const telegram = withDsmrCrc(text);
    const stream = Buffer.concat([
      buildGlo(telegram, key, 7, { authKey: WRONG }),
      buildGlo(telegram, key, 7, { authKey: WRONG }),
      buildGlo(telegram, key, 8, { authKey: key }),
      buildGlo(telegram, key, 9),
      buildGlo(telegram, key, 3),
      buildGlo(telegram, key, 10).subarray(0, 40),
    ]);
    const command: Command = { input: stream.toString("hex"), key, authKey: WRONG };
    const node = onNode(command);
    t.is((await xs.command(JSON.stringify(command))).reply, node);
    t.deepEqual(node.split("\n").slice(0, -1).map((l) => JSON.parse(l).error ?? "ok"), ["ok", "replay", "auth", "ok", "replay", "truncated"]);
  } finally {
    await xs.close();
  }
});
