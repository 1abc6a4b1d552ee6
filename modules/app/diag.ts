// The `<base>/diag` message and the `diag` command reply: counters only, never a key or password.
import type { Firmware } from "./firmware.js";
import { isoUtc } from "../util/time.js";
import { FlashStateStore } from "./flash-state.js";

export function diagnostics(
  fw: Firmware,
  link: { connects: number; attempts: number; drops: number } | undefined,
  outbox: { published: number; lost: number } | undefined,
  commands: { ok: number; rejected: number },
  uptimeMs: number,
  heap: number | undefined,
): Record<string, unknown> {
  const d = fw.decoder.stats;
  const sec = fw.stats.lastSecurity;
  const out: Record<string, unknown> = {
    uptime_s: Math.floor(uptimeMs / 1000),
    bytes: d.bytes,
    frames: d.frames,
    ok: d.ok,
    garbage_bytes: d.garbage,
    crc_errors: d.errors.crc,
    key_errors: d.errors.key,
    auth_errors: d.errors.auth,
    replay_errors: d.errors.replay,
    errors: d.errors,
    last_system_title: sec ? sec.systemTitle : null,
    last_frame_counter: sec ? sec.frameCounter : null,
    last_frame_at: fw.lastReadingAt === null ? null : isoUtc(fw.lastReadingAt),
    states: fw.stats.states,
    held: fw.stats.held,
    events: fw.stats.events,
    commands,
    // The meter link: `link` is what the HA connectivity binary_sensor reads.
    link: fw.linkStatus.state,
    link_since: isoUtc(fw.linkStatus.since),
    link_lost: fw.linkStatus.lost,
  };
  if (link) out.mqtt = link;
  if (outbox) out.outbox = { ...outbox, cursors: fw.cursors };
  if (fw.history) {
    out.history = fw.history.counts;
    // Damaged flash records the reads skipped (each cost that record alone).
    out.damaged_records = fw.history.store.damagedRecords;
    // Records stored unsigned because signing failed (PSA refused): their counters are skipped.
    if (fw.history.store.sealer) {
      out.sign_errors = fw.history.store.stats.sealErrors;
      out.sign_error = fw.history.store.stats.lastSealError;
    }
  }
  // Cursor or frame-counter changes the flash refused: kept in RAM only, lost at the next restart.
  if (fw.store instanceof FlashStateStore) out.state_write_errors = fw.store.log.stats.writeErrors;
  if (heap !== undefined) out.heap = heap;
  // Decode and publish cost per frame (framing of every byte included), where the host counts time.
  if (fw.stats.computeUs > 0 && d.frames > 0) out.compute_us_per_frame = Math.round(fw.stats.computeUs / d.frames);
  return out;
}
