// Meter keys from the command line or the environment, the same for every command that decodes:
// `--key` (or `METERTAP_KEY`, or the older `KEY`), `--auth-key`, `--aad` (or `METERTAP_AAD`/`AAD`).
// As the Luxembourg reader takes them, an AAD from the environment of 32 hex digits is the
// authentication key, any other length a raw AAD (empty: verify the tag over no AAD). A key taken
// from the environment is announced by its variable's name, so a stray `KEY` in a shell is seen;
// errors and notes name the setting, never its text.
import type { DecoderOptions } from "../../modules/decode/protocol.js";
import { parseAad, parseKey } from "../../modules/security/keys.js";

export interface KeyFlags {
  key?: string;
  "auth-key"?: string;
  aad?: string;
}

export type MeterKeys = Pick<DecoderOptions, "encryptionKey" | "authenticationKey" | "aad">;

const stderr = (line: string) => process.stderr.write(line + "\n");

/** The first of `names` set in `env`: the project's own name before the generic one. */
function fromEnv(env: NodeJS.ProcessEnv, names: string[]): { name: string; value: string } | undefined {
  for (const name of names) if (env[name] !== undefined) return { name, value: env[name]! };
  return undefined;
}

export function meterKeys(flags: KeyFlags, env: NodeJS.ProcessEnv, say: (line: string) => void = stderr): MeterKeys {
  const keys: MeterKeys = {};
  if (flags.key !== undefined) keys.encryptionKey = parseKey(flags.key, "--key");
  else {
    const e = fromEnv(env, ["METERTAP_KEY", "KEY"]);
    if (e) {
      keys.encryptionKey = parseKey(e.value, e.name);
      say(`metertap: decryption key from the environment variable ${e.name}`);
    }
  }
  if (flags["auth-key"] !== undefined) keys.authenticationKey = parseKey(flags["auth-key"], "--auth-key");
  if (flags.aad !== undefined) keys.aad = parseAad(flags.aad, "--aad");
  else if (!keys.authenticationKey) {
    const e = fromEnv(env, ["METERTAP_AAD", "AAD"]);
    if (e) {
      const isKey = e.value.replace(/[\s:-]/g, "").length === 32;
      if (isKey) keys.authenticationKey = parseKey(e.value, e.name);
      else keys.aad = parseAad(e.value, e.name);
      say(`metertap: ${isKey ? "authentication key" : "AAD"} from the environment variable ${e.name}`);
    }
  }
  return keys;
}
