// A throwaway PKI made with openssl for the TLS tests: a CA, a server certificate for 127.0.0.1
// and localhost (both in subjectAltName), one signed by the CA that has expired, one for another
// host name, and an unrelated CA. Files in a fresh temporary directory.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPki {
  dir: string;
  caPem: string;
  /** CA certificate file (PEM). */
  ca: string;
  otherCa: string;
  key: string;
  /** Server certificate followed by the CA certificate (mosquitto sends the chain). */
  good: string;
  expired: string;
  wrongHost: string;
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "metertap-pki-"));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const newCa = (name: string, cn: string) =>
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f(`${name}.key`), "-out", f(`${name}.pem`), "-days", "30", "-subj", `/CN=${cn}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  newCa("ca", "metertap test CA");
  newCa("other-ca", "unrelated test CA");
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/CN=metertap test broker");
  writeFileSync(f("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n");
  writeFileSync(f("other.ext"), "subjectAltName=DNS:broker.example\nbasicConstraints=CA:FALSE\n");
  const caPem = readFileSync(f("ca.pem"), "utf8");
  const sign = (out: string, ext: string) => {
    ssl("x509", "-req", "-in", f("server.csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"), "-CAcreateserial", "-days", "30", "-extfile", f(ext), "-out", f(out));
    writeFileSync(f(out), readFileSync(f(out), "utf8") + caPem);
  };
  sign("good.pem", "san.ext");
  sign("wrong-host.pem", "other.ext");
  // `openssl ca` is the one 3.0 command that takes explicit validity dates (here: all of 2020).
  writeFileSync(f("index.txt"), "");
  writeFileSync(f("serial"), "1000\n");
  writeFileSync(f("ca.cnf"), `[ca]\ndefault_ca=d\n[d]\ndatabase=${f("index.txt")}\nnew_certs_dir=${dir}\nserial=${f("serial")}\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n`);
  ssl("ca", "-batch", "-notext", "-config", f("ca.cnf"), "-cert", f("ca.pem"), "-keyfile", f("ca.key"), "-in", f("server.csr"), "-out", f("expired.pem"),
    "-startdate", "20200101000000Z", "-enddate", "20201231000000Z", "-extfile", f("san.ext"));
  writeFileSync(f("expired.pem"), readFileSync(f("expired.pem"), "utf8") + caPem);
  // Mosquitto started as root drops to its own user, which must still read the files.
  chmodSync(dir, 0o755);
  for (const name of readdirSync(dir)) chmodSync(f(name), 0o644);
  return { dir, caPem, ca: f("ca.pem"), otherCa: f("other-ca.pem"), key: f("server.key"), good: f("good.pem"), expired: f("expired.pem"), wrongHost: f("wrong-host.pem") };
}
