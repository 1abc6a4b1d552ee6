// OTA over the network on Moddable: the `ota` command (MQTT `<base>/cmd/ota` with {"url"}) and
// the HTTP(S) download that streams the image into an OtaUpdater.
import { Request } from "http";
import Timer from "timer";
import SecureSocket from "securesocket";
import type { Firmware } from "../../modules/app/firmware.js";
import type { OtaResult, OtaUpdater } from "../../modules/ota/updater.js";
import { parseOtaCommand, redactUrl } from "../../modules/ota/command.js";
import { CommandError } from "../../modules/publish/commands.js";

/** A download that has not finished by then is abandoned, so the next one can start. */
export const DOWNLOAD_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Streams `url` (http or https) into `updater`; `done` gets the verdict. https verifies the server
 * (chain to `ca` or a built-in root, host name) through the SDK's SecureSocket.
 */
export function download(url: string, updater: OtaUpdater, log: (line: string) => void, done: (r: OtaResult) => void, ca?: ArrayBuffer): void {
  const m = /^(https?):\/\/(?:[^/@]*@)?([^/:?#]+)(?::(\d+))?(\/[^#]*)?$/.exec(url);
  if (!m) return done({ ok: false, error: "malformed", message: "bad url" });
  const secure = m[1] === "https";
  const options: Record<string, unknown> = { host: m[2], port: m[3] ? Number(m[3]) : secure ? 443 : 80, path: m[4] ?? "/" };
  if (secure) {
    options.Socket = SecureSocket;
    options.secure = { protocolVersion: 0x0303, verify: true, ...(ca ? { certificate: ca } : {}) };
  }
  log(`ota: downloading ${redactUrl(url)}`);
  let finished = false;
  const finish = (r: OtaResult) => {
    if (finished) return;
    finished = true;
    Timer.clear(watchdog);
    request.close();
    done(r);
  };
  const watchdog = Timer.set(() => finish(updater.abort("download timed out")), DOWNLOAD_TIMEOUT_MS);
  const request = new Request(options as never);
  request.callback = function (message: number, value?: unknown) {
    if (message === Request.status && value !== 200) finish(updater.abort(`HTTP status ${String(value)}`));
    else if (message === Request.headersComplete) updater.begin();
    else if (message === Request.responseFragment) {
      if (!updater.write(new Uint8Array(this.read(ArrayBuffer)))) finish(updater.finish());
    } else if (message === Request.responseComplete) finish(updater.finish());
    else if (message === Request.error) finish(updater.abort(secure ? "connection or TLS verification failed" : "connection failed"));
  };
}

/**
 * Registers `ota`: replies at once with the (redacted) URL; the verdict goes to `done`.
 * `newUpdater` returns undefined when no update can start (no key, or one already running).
 */
export function registerOtaCommand(fw: Firmware, newUpdater: () => OtaUpdater | undefined, log: (line: string) => void, done: (r: OtaResult) => void, ca?: ArrayBuffer): void {
  fw.registerCommand("ota", (args) => {
    const cmd = parseOtaCommand(args);
    if ("error" in cmd) throw new CommandError(cmd.error);
    const updater = newUpdater();
    if (!updater) throw new CommandError("no update can start: no OTA key in this build, or one is running");
    try {
      download(cmd.url, updater, log, done, ca);
    } catch (e) {
      done(updater.abort(`download failed to start: ${(e as Error).message}`));
      throw new CommandError("download failed to start");
    }
    return { started: redactUrl(cmd.url) };
  });
}
