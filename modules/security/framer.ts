// Top-level general-glo-ciphering frames on the serial line (Luxembourg Smarty P1): delimited by
// their A-XDR length, since the ciphertext may contain any byte.
import type { Framer, ScanResult } from "../stream/framer.js";
import { SCAN_FRAME, SCAN_INVALID, SCAN_MORE } from "../stream/framer.js";
import { checkGloHeader, GLO_TAG } from "./glo.js";

export function gloFramer(maxLength: number): Framer {
  return {
    kind: "glo",
    lead: GLO_TAG,
    scan(buf: Uint8Array, start: number, end: number, final: boolean, _resume: number, out: ScanResult): void {
      out.resume = 0;
      const header = checkGloHeader(buf, start, end, maxLength);
      if (header.status === "invalid") {
        out.status = SCAN_INVALID;
      } else if (header.status === "frame" && header.end <= end) {
        out.status = SCAN_FRAME;
        out.end = header.end;
      } else if (!final) {
        out.status = SCAN_MORE;
      } else if (header.status === "frame") {
        // A plausible header whose content never came: count it, and skip what did come.
        out.status = SCAN_FRAME;
        out.end = end;
        out.error = "truncated";
        out.message = `ciphered frame declares ${header.end - start} bytes, ${end - start} arrived`;
      } else {
        out.status = SCAN_INVALID;
      }
    },
  };
}
