// kill -9 loop (issue 11, item 7): after any crash, at most the records of the window are sent
// again, and no frame counter accepted before the kill is accepted after it. The full 200+ cycle
// run is `node dist/bench/restarts.js` (README figures); the test runs fewer to keep its time.
import test from "ava";
import { flashCheck, killLoop, WINDOW } from "./helpers/kill-loop.js";

const CYCLES = Number(process.env.METERTAP_KILL_CYCLES ?? 50);

test(`${CYCLES} kill -9 cycles against Mosquitto: no replayed frame counter, resends within the window, nothing lost`, async (t) => {
  const { check, figures: flash } = flashCheck();
  const f = await killLoop(CYCLES, check);
  t.deepEqual(flash.problems, []);
  t.is(f.replays, 0, "a frame accepted before a kill was accepted again");
  t.true(flash.mostResendable <= WINDOW);
  t.true(f.records > CYCLES * 2, `${f.records} records received`);
  t.true(f.states > CYCLES * 5, `${f.states} states received`);
  t.true(f.framesSent > CYCLES * 20);
  const msg = `kill -9 loop: ${f.cycles} cycles, ${f.framesSent} frames sent (3 resent per restart), ${f.states} states, ${f.records} records received, ` +
    `${f.duplicates} duplicates (at most ${f.mostCopies} copies of one), ${f.replays} replays; per kill and stream at most ${flash.mostResendable} records resendable (window ${WINDOW})`;
  t.log(msg);
  console.log(msg);
});
