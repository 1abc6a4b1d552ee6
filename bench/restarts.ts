// The kill -9 loop of test/restarts.test.ts with 220 cycles (the README's figures): `npm run bench
// restarts`, or `node dist/bench/restarts.js run [CYCLES] [--figures-only]`; --figures-only skips
// the per-kill flash checks (to measure a build without the state log).
import { flashCheck, killLoop, WINDOW } from "../test/helpers/kill-loop.js";

export async function bench(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => /^\d+$/.test(a) || a === "--figures-only");
  const cycles = Number(args.find((a) => /^\d+$/.test(a)) ?? 220);
  const { check, figures: flash } = flashCheck();
  const started = Date.now();
  const f = await killLoop(cycles, args.includes("--figures-only") ? undefined : check);
  console.log(`kill -9 cycles                  ${f.cycles} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  console.log(`frames sent by the meter        ${f.framesSent} (the last 3 of each connection sent again)`);
  console.log(`states received                 ${f.states}`);
  console.log(`replays (a state twice)         ${f.replays}`);
  console.log(`records received                ${f.records}`);
  console.log(`duplicates                      ${f.duplicates} (at most ${f.mostCopies} copies of one record)`);
  if (!args.includes("--figures-only")) {
    console.log(`resendable per kill and stream  at most ${flash.mostResendable} (window ${WINDOW}), ${flash.resendable} over all kills`);
    console.log(`problems                        ${flash.problems.length ? flash.problems.join("; ") : "none"}`);
  }
}

if (process.argv[2] === "run") await bench();
