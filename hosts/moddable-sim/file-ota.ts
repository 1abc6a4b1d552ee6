// The simulator's update slot: a file. It lets the whole OTA path (page upload, PSA hashing and
// signature check, slot handling) run in the simulator; there is no second image to boot.
import { File } from "file";
import type { OtaSink } from "../../modules/ota/ports.js";

export class FileOtaSink implements OtaSink {
  private file?: File;

  /** `path` receives a completed image; it is written as `path`.part until then. */
  constructor(private readonly path: string) {}

  begin(): void {
    this.cancel();
    if (File.exists(this.path + ".part")) File.delete(this.path + ".part");
    this.file = new File(this.path + ".part", true);
  }

  write(bytes: Uint8Array): void {
    this.file!.write(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer);
  }

  complete(): void {
    this.file!.close();
    this.file = undefined;
    if (File.exists(this.path)) File.delete(this.path);
    File.rename(this.path + ".part", this.path);
  }

  cancel(): void {
    this.file?.close();
    this.file = undefined;
  }
}
