// metertap sign-image: wraps an ESP-IDF app image in a signed metertap OTA image, or prints the
// public key to compile into the firmware. The private key is read, never printed.
import { readFileSync, writeFileSync } from "node:fs";
import { parseVersion } from "../../../modules/ota/image.js";
import { loadPrivateKey, rawPublicKey, signImage } from "../ota-crypto.js";

const USAGE = `usage: metertap sign-image --key PRIVATE.pem --target BOARD --version X.Y.Z IN.bin OUT.bin
       metertap sign-image --key PRIVATE.pem --public-key [--format ts|c|hex]

  --key PEM       ECDSA P-256 private key (openssl ecparam -name prime256v1 -genkey -noout -out key.pem)
  --target BOARD  the board the image is for, as the firmware names itself (e.g. esp32/nodemcu)
  --version X.Y.Z the image's version; devices accept only newer versions
  --public-key    print the public key as a TypeScript (default), C or hex constant
`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}

function publicKeyText(raw: Uint8Array, format: string): string | undefined {
  const hex = Buffer.from(raw).toString("hex");
  const bytes = Array.from(raw, (b) => "0x" + b.toString(16).padStart(2, "0"));
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += 13) rows.push("  " + bytes.slice(i, i + 13).join(", ") + ",");
  if (format === "hex") return hex + "\n";
  if (format === "ts") return `// ECDSA P-256 public key for OTA images (uncompressed point).\nexport const OTA_PUBLIC_KEY = "${hex}";\n`;
  if (format === "c") return `/* ECDSA P-256 public key for OTA images (uncompressed point). */\nstatic const uint8_t ota_public_key[65] = {\n${rows.join("\n")}\n};\n`;
  return undefined;
}

export async function run(argv: string[]): Promise<number> {
  const args = [...argv];
  const keyPath = option(args, "--key");
  const printPublic = args.includes("--public-key");
  if (printPublic) args.splice(args.indexOf("--public-key"), 1);
  const format = option(args, "--format") ?? "ts";
  const target = option(args, "--target");
  const versionText = option(args, "--version");
  if (!keyPath) {
    process.stderr.write(USAGE);
    return 2;
  }
  const key = loadPrivateKey(readFileSync(keyPath));
  if (printPublic) {
    const text = publicKeyText(rawPublicKey(key), format);
    if (!text || args.length) {
      process.stderr.write(USAGE);
      return 2;
    }
    process.stdout.write(text);
    return 0;
  }
  const version = versionText ? parseVersion(versionText) : undefined;
  if (!target || !version || args.length !== 2) {
    process.stderr.write(versionText && !version ? `metertap: bad --version '${versionText}' (want X.Y.Z)\n` : USAGE);
    return 2;
  }
  const [input, output] = args;
  const payload = new Uint8Array(readFileSync(input));
  if (payload.length === 0) {
    process.stderr.write(`metertap: ${input} is empty\n`);
    return 1;
  }
  const image = signImage(payload, { target, version }, key);
  writeFileSync(output, image);
  process.stdout.write(`signed ${payload.length} bytes for ${target} version ${versionText}: ${output} (${image.length} bytes)\n`);
  return 0;
}
