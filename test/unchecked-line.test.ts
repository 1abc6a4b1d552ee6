// `uncheckedLine` as a setting: `metertap run --unchecked-line yes|no` reaches the firmware's
// decoder (bare APDUs after a checked frame only with yes). `decode` is in cli-decode.test.ts.
import test from "ava";
import { readFileSync } from "node:fs";
import { parseRunArgs } from "../hosts/node/options.js";
import { UsageError } from "../hosts/node/sources.js";
import { Firmware, type FirmwareConfig } from "../modules/app/firmware.js";
import { corpusDir } from "./helpers/corpus.js";
import { pushedSource } from "./helpers/pushed-source.js";

const run = (...flags: string[]) => parseRunArgs(["--source", "stdin", ...flags], {});

test("run --unchecked-line: yes, no, or unset (the line's first frame decides)", (t) => {
  t.is(run("--unchecked-line", "yes").config.uncheckedLine, true);
  t.is(run("--unchecked-line", "no").config.uncheckedLine, false);
  t.is(run().config.uncheckedLine, undefined);
  t.throws(() => run("--unchecked-line", "1"), { instanceOf: UsageError, message: "--unchecked-line: yes or no" });
});

test("the firmware's decoder takes the setting", (t) => {
  const hdlc = readFileSync(corpusDir + "hdlc-athombv-aidon-example-1.bin");
  const llc = readFileSync(corpusDir + "llc-amshan-kaifa-ma304h4-se-list.bin");
  const ok = (config: FirmwareConfig) => {
    const source = pushedSource();
    const fw = new Firmware({ openSource: source.open, clock: { now: () => 0 }, log: () => {} }, config);
    fw.start();
    source.push(new Uint8Array(Buffer.concat([hdlc, llc, llc])));
    fw.stop();
    return fw.decoder.stats.ok;
  };
  t.is(ok({}), 1);
  t.is(ok({ uncheckedLine: true }), 3);
});
