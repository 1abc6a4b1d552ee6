// Builds the C test program (test/c/gcm_test.c + modules/crypto/gcm_psa.c) against Mbed TLS's
// PSA Crypto, and syntax-checks the XS binding against the XS headers @agoric/xsnap ships.
// Used by test/crypto-c.test.ts and bench/security.ts. A missing gcc or libmbedtls-dev is an error.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const XS = join(repoRoot, "node_modules/@agoric/xsnap/moddable/xs");
const NEEDS = "needs gcc and libmbedtls-dev (apt-get install -y gcc libmbedtls-dev)";

function gcc(args: string[]): void {
  try {
    execFileSync("gcc", args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === "ENOENT") throw new Error(`gcc not found: the C tests ${NEEDS}`);
    throw new Error(`gcc ${args.join(" ")} failed (${NEEDS}):\n${err.stderr?.toString() ?? ""}`);
  }
}

/** Compiles the test program into `dir`; returns its path. */
export function buildGcmTest(dir: string): string {
  const out = join(dir, "gcm_test");
  gcc(["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O2", "-Wall", "-Wextra", "-Werror", "-I", "modules/crypto",
    "test/c/gcm_test.c", "modules/crypto/gcm_psa.c", "-lmbedcrypto", "-o", out]);
  return out;
}

/** Compiles the record-signing test program (test/c/ecdsa_test.c + modules/crypto/ecdsa_psa.c) into `dir`. */
export function buildEcdsaTest(dir: string): string {
  const out = join(dir, "ecdsa_test");
  gcc(["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O2", "-Wall", "-Wextra", "-Werror", "-I", "modules/crypto",
    "test/c/ecdsa_test.c", "modules/crypto/ecdsa_psa.c", "-lmbedcrypto", "-o", out]);
  return out;
}

/** Compiles modules/crypto/aesgcm.c with -fsyntax-only against xsmc.h. */
export function checkXsBinding(): void {
  gcc(["-fsyntax-only", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I", "modules/crypto", "-I", join(XS, "includes"),
    "-I", join(XS, "platforms"), "-I", join(XS, "sources"), "modules/crypto/aesgcm.c"]);
}
