// XS worker for test/signed-xs.test.ts: the Signer port is played by Node (node:crypto) through
// xsnap's issueCommand, as PSA plays it on the dongle; the private key never enters the worker.
import type { Signer } from "../../modules/ports/ports.js";
import { fromHex, latin1, toHex } from "../../modules/util/hex.js";
import { signedScenario } from "./signed-scenario.js";
import { serve } from "./serve.js";

declare function issueCommand(request: ArrayBuffer): ArrayBuffer;

function ask(text: string): string {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return latin1(new Uint8Array(issueCommand(bytes.buffer)));
}

const signer: Signer = {
  publicKey: () => fromHex(ask("public"))!,
  sign: (message) => fromHex(ask("sign " + toHex(message)))!,
};

serve((input) => signedScenario(input, signer));
