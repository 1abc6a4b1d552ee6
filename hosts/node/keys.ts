// Meter keys from the command line or the environment, the same for every command that decodes:
// `--key` (or `KEY`), `--auth-key`, `--aad`. As the Luxembourg reader takes them, an `AAD` from the
// environment of 32 hex digits is the authentication key, any other length a raw AAD (empty: verify
// the tag over no AAD). Errors name the setting, never its text.
import type { DecoderOptions } from "../../modules/decode/protocol.js";
import { parseAad, parseKey } from "../../modules/security/keys.js";

export interface KeyFlags {
  key?: string;
  "auth-key"?: string;
  aad?: string;
}

export type MeterKeys = Pick<DecoderOptions, "encryptionKey" | "authenticationKey" | "aad">;

export function meterKeys(flags: KeyFlags, env: NodeJS.ProcessEnv): MeterKeys {
  const keys: MeterKeys = {};
  const key = flags.key ?? env.KEY;
  if (key !== undefined) keys.encryptionKey = parseKey(key, flags.key !== undefined ? "--key" : "KEY");
  if (flags["auth-key"] !== undefined) keys.authenticationKey = parseKey(flags["auth-key"], "--auth-key");
  if (flags.aad !== undefined) keys.aad = parseAad(flags.aad, "--aad");
  else if (env.AAD !== undefined && !keys.authenticationKey) {
    if (env.AAD.replace(/[\s:-]/g, "").length === 32) keys.authenticationKey = parseKey(env.AAD, "AAD");
    else keys.aad = parseAad(env.AAD, "AAD");
  }
  return keys;
}
