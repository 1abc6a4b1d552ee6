// The desktop simulator host (mcsim on Linux or macOS): serial from a tty/pty path, history in a
// file with flash semantics, preferences in the simulator's preference file, MQTT to a broker
// (default a local Mosquitto), and the local page on port 8080. With `otaKey=<public key hex>`
// signed images (page upload or the MQTT `ota` command) go into a file; there is no second slot,
// so boots are never pending.
import config from "mc/config";
import Time from "time";
import type { Firmware } from "../../modules/app/firmware.js";
import { AesGcm } from "../../modules/crypto/aesgcm.js";
import { nativeCrc16Arc } from "../moddable/checksum.js";
import { fromHex } from "../../modules/util/hex.js";
import { NO_ROLLBACK } from "../moddable/host-api.js";
import type { MetertapHost } from "../moddable/host-api.js";
import { PreferenceStore } from "../moddable/preference-store.js";
import { MqttClient } from "../../modules/mqtt/client.js";
import { moddableSocket } from "../moddable/socket.js";
import { caDer } from "../../modules/web/pem.js";
import { Portal } from "../moddable/portal.js";
import { deviceWebApp } from "../moddable/web.js";
import { loadSettings, meterConfig, parseMqttUrl } from "../../modules/web/settings.js";
import { openSerialPath } from "./serial-source.js";
import { openFileFlash } from "./file-flash.js";
import { FileOtaSink } from "./file-ota.js";
import { OtaUpdater } from "../../modules/ota/updater.js";
import type { OtaResult } from "../../modules/ota/updater.js";
import { registerOtaCommand } from "../moddable/ota-download.js";
import { parseVersion } from "../../modules/ota/image.js";
import { psaSha256, psaVerifier } from "../moddable/ota-psa.js";
import { ignoreBrokenPipes } from "./sigpipe.js";

const log = (line: string) => trace(line + "\n");

export function simulatorHost(): MetertapHost {
  ignoreBrokenPipes();
  const store = new PreferenceStore(String(config.prefDomain ?? "metertap"));
  const settings = loadSettings(store, { mqtt_url: String(config.mqtt ?? "mqtt://127.0.0.1:1883") });
  const mqtt = settings.mqtt_url ? parseMqttUrl(settings.mqtt_url) : undefined;
  if (mqtt && "error" in mqtt) log(`mqtt: ${mqtt.error}`);
  const ca = caDer(settings.tls_ca);
  const publisher = mqtt && !("error" in mqtt)
    ? new MqttClient({ target: mqtt, open: moddableSocket(ca), clientId: "metertap-sim", username: settings.mqtt_user, password: settings.mqtt_pw, now: () => Time.ticks, log })
    : undefined;
  const root = String(config.file?.root ?? "/tmp/");
  const otaKey = typeof config.otaKey === "string" && config.otaKey.length === 130 ? fromHex(config.otaKey) : undefined;
  const running = parseVersion(String(config.version ?? "0.0.0")) ?? { major: 0, minor: 0, patch: 0 };
  const otaFile = String(config.otaFile ?? root + "metertap-ota.bin");
  return {
    ports: {
      openSource: openSerialPath(String(config.serial ?? "/tmp/metertap-p1"), Number(config.baud ?? 115200)),
      clock: { now: () => Date.now(), monotonic: () => Time.ticks },
      flash: openFileFlash(String(config.flashFile ?? root + "metertap-history.flash"), Number(config.flashBlocks ?? 256)),
      publisher,
      cipher: new AesGcm(),
      crc16Arc: nativeCrc16Arc,
      store,
      log,
    },
    config: {
      deviceId: String(config.deviceId ?? "metertap-sim"),
      qos: 1,
      ...meterConfig(settings, log),
      device: { model: "moddable-sim" },
    },
    boot: NO_ROLLBACK,
    attach(fw: Firmware) {
      const newUpdater = () => otaKey && new OtaUpdater({
        sink: new FileOtaSink(otaFile),
        sha256: psaSha256,
        verifier: psaVerifier(otaKey),
        policy: { target: "moddable-sim", running, slotSize: 4 << 20 },
      });
      const onUpdated = (r: OtaResult) => log(r.ok ? `ota: installed ${r.version} into ${otaFile}` : `ota: rejected (${r.error}): ${r.message}`);
      registerOtaCommand(fw, newUpdater, log, onUpdated, ca);
      const app = deviceWebApp({
        firmware: fw, store, serial: "0000000000a1", version: String(config.version ?? "0.0.0"), timeZone: settings.tz,
        onSaved: () => log("settings saved: restart the simulator to apply them"),
      });
      new Portal({
        port: Number(config.httpPort ?? 8080),
        app,
        log,
        secret: () => store.read("cmd_secret") || undefined,
        updater: newUpdater,
        onUpdated,
      }).start();
      log(`metertap simulator: serial ${String(config.serial ?? "/tmp/metertap-p1")}, mqtt ${mqtt && !("error" in mqtt) ? `${mqtt.host}:${mqtt.port}` : "off"}`);
    },
    tick(_fw: Firmware, monotonicMs: number) {
      publisher?.tick(monotonicMs);
    },
  };
}
