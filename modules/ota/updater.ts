// Streams a signed image into the inactive slot. Header policy (target, version, size) is applied
// before the slot is opened; the payload goes to the slot as it arrives while it is hashed; the
// signature is checked at the end, and only a verified image reaches `complete()`. Any failure
// cancels the slot, so the running image stays the boot image.
import {
  compareVersions, decodeHeader, formatVersion, HEADER_LENGTH, SIGNATURE_LENGTH,
} from "./image.js";
import type { ImageHeader, Version } from "./image.js";
import type { OtaSink, Sha256, Sha256Factory, SignatureVerifier } from "./ports.js";

export type OtaError =
  | "unsigned" | "malformed" | "target" | "downgrade" | "too-large"
  | "truncated" | "overflow" | "signature" | "sink" | "state";

export type OtaState = "idle" | "header" | "payload" | "signature" | "installed" | "failed";

export type OtaResult =
  | { ok: true; version: string; bytes: number }
  | { ok: false; error: OtaError; message: string };

export interface OtaPolicy {
  /** The board this firmware runs on; an image must name the same target. */
  target: string;
  /** The running firmware's version; an image must be newer. */
  running: Version;
  /** Size of an app slot in bytes. */
  slotSize: number;
  /** Accept an image of the running version (re-install). Default false. */
  allowSameVersion?: boolean;
}

export interface OtaDeps {
  sink: OtaSink;
  sha256: Sha256Factory;
  verifier: SignatureVerifier;
  policy: OtaPolicy;
}

export class OtaUpdater {
  private stateValue: OtaState = "idle";
  private header = new Uint8Array(HEADER_LENGTH);
  private signature = new Uint8Array(SIGNATURE_LENGTH);
  private filled = 0;
  private payloadLeft = 0;
  private image?: ImageHeader;
  private hash?: Sha256;
  private failure?: OtaResult;

  constructor(private readonly deps: OtaDeps) {}

  get state(): OtaState {
    return this.stateValue;
  }

  /** The header of the image being received, once it passed the policy. */
  get incoming(): ImageHeader | undefined {
    return this.image;
  }

  /** Starts a new download. A download already under way is cancelled first. */
  begin(): void {
    if (this.stateValue === "payload" || this.stateValue === "signature") this.deps.sink.cancel();
    this.stateValue = "header";
    this.filled = 0;
    this.image = undefined;
    this.failure = undefined;
    this.hash = this.deps.sha256();
  }

  /** Feeds the next bytes of the image. Returns false once the download has failed. */
  write(bytes: Uint8Array): boolean {
    let at = 0;
    while (at < bytes.length) {
      switch (this.stateValue) {
        case "header": at = this.takeHeader(bytes, at); break;
        case "payload": at = this.takePayload(bytes, at); break;
        case "signature": at = this.takeSignature(bytes, at); break;
        case "failed": return false;
        default:
          this.fail("state", `write while ${this.stateValue}`);
          return false;
      }
    }
    return this.stateValue !== "failed";
  }

  /** End of the download: verifies the signature and, only then, completes the slot. */
  finish(): OtaResult {
    if (this.stateValue === "failed") return this.failure!;
    if (this.stateValue === "idle" || this.stateValue === "installed") return this.failResult("state", `finish while ${this.stateValue}`);
    if (this.stateValue !== "signature" || this.filled < SIGNATURE_LENGTH) {
      return this.failResult("truncated", `image ended early (${this.stateValue})`);
    }
    const digest = this.hash!.digest();
    if (!this.deps.verifier.verify(digest, this.signature)) return this.failResult("signature", "signature does not verify");
    try {
      this.deps.sink.complete();
    } catch (e) {
      return this.failResult("sink", `slot rejected the image: ${(e as Error).message}`);
    }
    this.stateValue = "installed";
    return { ok: true, version: formatVersion(this.image!.version), bytes: this.image!.payloadLength };
  }

  /** Abandons the download (connection lost, user cancel). */
  abort(message: string): OtaResult {
    return this.stateValue === "failed" ? this.failure! : this.failResult("truncated", message);
  }

  private takeHeader(bytes: Uint8Array, at: number): number {
    const n = Math.min(HEADER_LENGTH - this.filled, bytes.length - at);
    this.header.set(bytes.subarray(at, at + n), this.filled);
    this.filled += n;
    if (this.filled < HEADER_LENGTH) return at + n;
    const parsed = decodeHeader(this.header);
    if ("error" in parsed) return this.fail(parsed.error, parsed.message);
    const problem = this.policyProblem(parsed);
    if (problem) return this.fail(problem[0], problem[1]);
    this.image = parsed;
    try {
      this.deps.sink.begin(parsed.payloadLength);
    } catch (e) {
      return this.fail("sink", `cannot open the update slot: ${(e as Error).message}`);
    }
    this.hash!.update(this.header);
    this.payloadLeft = parsed.payloadLength;
    this.stateValue = "payload";
    return at + n;
  }

  private takePayload(bytes: Uint8Array, at: number): number {
    const n = Math.min(this.payloadLeft, bytes.length - at);
    const chunk = bytes.subarray(at, at + n);
    this.hash!.update(chunk);
    try {
      this.deps.sink.write(chunk);
    } catch (e) {
      return this.fail("sink", `slot write failed: ${(e as Error).message}`);
    }
    this.payloadLeft -= n;
    if (this.payloadLeft === 0) {
      this.stateValue = "signature";
      this.filled = 0;
    }
    return at + n;
  }

  private takeSignature(bytes: Uint8Array, at: number): number {
    const n = Math.min(SIGNATURE_LENGTH - this.filled, bytes.length - at);
    if (n === 0) return this.fail("overflow", "bytes after the signature");
    this.signature.set(bytes.subarray(at, at + n), this.filled);
    this.filled += n;
    return at + n;
  }

  private policyProblem(h: ImageHeader): [OtaError, string] | undefined {
    const p = this.deps.policy;
    if (h.target !== p.target) return ["target", `image is for '${h.target}', this board is '${p.target}'`];
    const order = compareVersions(h.version, p.running);
    if (order < 0 || (order === 0 && !p.allowSameVersion)) {
      return ["downgrade", `image version ${formatVersion(h.version)} is not newer than ${formatVersion(p.running)}`];
    }
    if (h.payloadLength === 0 || h.payloadLength > p.slotSize) {
      return ["too-large", `payload of ${h.payloadLength} bytes does not fit a ${p.slotSize}-byte slot`];
    }
    return undefined;
  }

  private fail(error: OtaError, message: string): number {
    this.failResult(error, message);
    return Infinity;
  }

  private failResult(error: OtaError, message: string): OtaResult {
    if (this.stateValue === "payload" || this.stateValue === "signature") {
      try {
        this.deps.sink.cancel();
      } catch {
        // The slot is abandoned either way: it is never selected for boot without complete().
      }
    }
    this.stateValue = "failed";
    this.failure = { ok: false, error, message };
    return this.failure;
  }
}
