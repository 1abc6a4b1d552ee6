// APDUs without a link layer, as some gateways deliver them: a data-notification (0x0F), a general
// block transfer block (0xE0), or either behind the LLC header E6 E7 00. Nothing delimits them
// but their own A-XDR structure, so the framer parses to find the end.
import type { Framer, FrameKind, ScanResult } from "../stream/framer.js";
import { SCAN_FRAME, SCAN_INVALID, SCAN_MORE } from "../stream/framer.js";
import { AxdrError } from "./axdr.js";
import { DATA_NOTIFICATION, GENERAL_BLOCK_TRANSFER, parseGbt, parseNotification } from "./apdu.js";

export const LLC = [0xe6, 0xe7, 0x00];

/** Where the APDU at buf[at] ends; throws AxdrError ("truncated" while bytes are missing). */
function apduEnd(buf: Uint8Array, at: number, end: number): number {
  if (buf[at] === DATA_NOTIFICATION) return parseNotification(buf, at, end, false, false).end;
  if (buf[at] === GENERAL_BLOCK_TRANSFER) return parseGbt(buf, at, end).end;
  throw new AxdrError("unsupported", "no APDU");
}

function framer(kind: FrameKind, lead: number, skip: number): Framer {
  return {
    kind,
    lead,
    unchecked: true,
    scan(buf: Uint8Array, start: number, end: number, final: boolean, _resume: number, out: ScanResult): void {
      out.resume = 0;
      for (let i = 0; i < skip; i++) {
        if (start + i >= end) {
          out.status = final ? SCAN_INVALID : SCAN_MORE;
          return;
        }
        if (buf[start + i] !== LLC[i]) {
          out.status = SCAN_INVALID;
          return;
        }
      }
      try {
        out.end = apduEnd(buf, start + skip, end);
        out.status = SCAN_FRAME;
      } catch (e) {
        // Any other exception is as good a sign as a parse error that no APDU starts here.
        if (!(e instanceof AxdrError) || e.category !== "truncated") out.status = SCAN_INVALID;
        else if (!final) out.status = SCAN_MORE;
        else if (end - start >= skip + 8) {
          // A header and the start of a list did parse: a real APDU that lost its tail.
          out.status = SCAN_FRAME;
          out.end = end;
          out.error = "truncated";
          out.message = `APDU cut short after ${end - start} bytes`;
        } else out.status = SCAN_INVALID;
      }
    },
  };
}

export const apduFramer = framer("apdu", DATA_NOTIFICATION, 0);
export const gbtFramer = framer("gbt", GENERAL_BLOCK_TRANSFER, 0);
export const llcFramer = framer("llc", LLC[0], LLC.length);
