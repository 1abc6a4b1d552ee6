// The Moddable desktop simulator end to end (scripts/sim-check.sh): runs only where an installed
// SDK (MODDABLE set) has mcsim.
import test from "ava";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../scripts/sim-check.sh", import.meta.url));
// Runs where the SDK has mcsim: .ci/run builds it from the device kit's SDK sources (it needs GTK).
const run = process.env.MODDABLE && existsSync(`${process.env.MODDABLE}/build/bin/lin/release/mcsim`) ? test : test.skip;

run("the simulator build decodes a pty capture, publishes to Mosquitto and serves its page", (t) => {
  t.timeout(600_000);
  const r = spawnSync("bash", [script], { encoding: "utf8", env: { ...process.env, SIM_RUN_S: "40" } });
  t.is(r.status, 0, r.stdout.slice(-3000) + r.stderr.slice(-2000));
  t.regex(r.stdout, /sim-check: PASSED/);
});
