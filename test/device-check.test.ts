// The firmware for real (scripts/device-check.sh): built for the ESP32-C3 with the Moddable SDK and
// ESP-IDF, linked, sized against its app slot and booted in QEMU against Mosquittos on the host:
// DSMR and encrypted DLMS into MQTT, history across a power cut, signed records, settings on the
// page, TLS with a CA of its own (and refused with another), signed OTA with rollback.
// Runs where MODDABLE and IDF_PATH are set (CI sources the device kit's
// env.sh, see .ci/run; locally: . /opt/esp/env.sh first). It takes minutes on a free machine.
import test from "ava";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../scripts/device-check.sh", import.meta.url));
const run = process.env.MODDABLE && process.env.IDF_PATH ? test : test.skip;

run("the ESP32-C3 build links, fits its slot with 10 % spare, compiles PSA as ESP-IDF does, and in QEMU reads meters into MQTT, keeps history over a power cut, talks TLS and updates itself; the Wi-Fi variant compiles", (t) => {
  t.timeout(40 * 60_000);
  const r = spawnSync("bash", [script], { encoding: "utf8" });
  t.log(r.stdout.split("\n").filter((l) => /^(device-check|qemu-check):/.test(l)).join("\n"));
  t.is(r.status, 0, r.stdout.slice(-4000) + r.stderr.slice(-2000));
  t.regex(r.stdout, /qemu-check: PASSED/);
  t.regex(r.stdout, /device-check: PASSED/);
});
