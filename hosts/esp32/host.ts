// The ESP32 host: the native P1 UART with line auto-detect, the history partition, NVS
// preferences, Wi-Fi with the configuration page, MQTT, signed OTA with rollback, and the
// device facts (heap, reset reason, RSSI, line settings) in diagnostics.
import config from "mc/config";
import Time from "time";
import type { Firmware, FirmwareConfig } from "../../modules/app/firmware.js";
import type { HealthCheck } from "../../modules/ota/health.js";
import { OtaUpdater } from "../../modules/ota/updater.js";
import type { OtaResult } from "../../modules/ota/updater.js";
import { parseVersion } from "../../modules/ota/image.js";
import { AesGcm } from "../../modules/crypto/aesgcm.js";
import { nativeCrc16Arc } from "../moddable/checksum.js";
import { fromHex, toHex } from "../../modules/util/hex.js";
import type { MetertapHost } from "../moddable/host-api.js";
import { PreferenceStore } from "../moddable/preference-store.js";
import { MqttClient } from "../../modules/mqtt/client.js";
import { moddableSocket } from "../moddable/socket.js";
import { caDer } from "../../modules/web/pem.js";
import { Portal } from "../moddable/portal.js";
import { advertiseHomeWizard, deviceWebApp } from "../moddable/web.js";
import { loadSettings, meterConfig, parseMqttUrl } from "../../modules/web/settings.js";
import { MeterLine } from "./source.js";
import { openHistoryPartition } from "./flash.js";
import type { NetworkFactory } from "./network.js";
import { EspOtaSink, espBootControl, deviceFacts, restart, chipDefaults, consoleLine, runningSlot, micros } from "./ota.js";
import { xsLiveBytes } from "./xs-memory.js";
import { registerOtaCommand } from "../moddable/ota-download.js";
import { psaSha256, psaVerifier } from "../moddable/ota-psa.js";
import { OTA_PUBLIC_KEY } from "./ota-key.js";
import { deviceSigner } from "../moddable/signing-key.js";

const log = (line: string) => {
  trace(line + "\n");
  consoleLine(line);
};

export function esp32Host(network: NetworkFactory): MetertapHost {
  // XS calls this before it restarts the chip on an abort (manifest.json defines.xs.abortHook): the
  // reason (an uncaught exception, memory) and the JS stack (release builds keep function names)
  // are then on the console instead of a silent reset.
  // Once: with memory full, building these lines can abort again.
  let aborting = false;
  (globalThis as { abort?: (message: string, exception: unknown) => void }).abort = (message, exception) => {
    if (aborting) return;
    aborting = true;
    log(`abort: ${message}${exception === undefined ? "" : ` (${String(exception)})`}`);
    log(String(new Error("JS stack at the abort").stack));
  };
  const store = new PreferenceStore();
  // mcconfig's ssid=, password=, mqtt= and keyEnc= are defaults the page's settings replace.
  const text = (v: unknown) => (v === undefined ? undefined : String(v));
  const settings = loadSettings(store, { ssid: text(config.ssid), wifi_pw: text(config.password), mqtt_url: text(config.mqtt), key_enc: text(config.keyEnc) });
  const chip = chipDefaults();
  const mac = chip.mac;
  const version = parseVersion(String(config.version ?? "0.0.0")) ?? { major: 0, minor: 0, patch: 0 };
  const target = String(config.board ?? "esp32");
  log(`metertap ${version.major}.${version.minor}.${version.patch} (${target}), device ${mac}`);
  const line = new MeterLine({
    uart: config.uart === undefined ? chip.uart : Number(config.uart),
    rxPin: config.rx === undefined ? chip.rx : Number(config.rx),
    rtsPin: config.rts === undefined ? undefined : Number(config.rts),
    store,
    log,
  });
  const mqtt = settings.mqtt_url ? parseMqttUrl(settings.mqtt_url) : undefined;
  const ca = caDer(settings.tls_ca);
  const publisher = mqtt && !("error" in mqtt)
    ? new MqttClient({ target: mqtt, open: moddableSocket(ca), clientId: `metertap-${mac}`, username: settings.mqtt_user, password: settings.mqtt_pw, now: () => Time.ticks, log })
    : undefined;
  const station = network({
    ssid: settings.ssid, password: settings.wifi_pw, apName: `metertap-${mac.slice(-6)}`, log,
    timeServer: String(config.sntp ?? "pool.ntp.org"),
  });
  // The key from ota-key.ts, else mcconfig's otaKey= (the device check signs with its own).
  const otaKey = OTA_PUBLIC_KEY || String(config.otaKey ?? "");
  const publicKey = otaKey.length === 130 ? fromHex(otaKey) : undefined;
  const resetReason = deviceFacts().resetReason;
  const signer = deviceSigner(store, log);
  let otaBusy = false;
  let firmware: Firmware | undefined;
  let lastOta: string | null = null;
  let advertised = false;

  const newUpdater = (): OtaUpdater | undefined => {
    // One update at a time: busy until afterUpdate() hears the verdict.
    if (!publicKey || otaBusy) return undefined;
    otaBusy = true;
    return new OtaUpdater({
      sink: new EspOtaSink(),
      sha256: psaSha256,
      verifier: psaVerifier(publicKey),
      policy: { target, running: version, slotSize: Number(config.otaSlotSize ?? 0x1e0000) },
    });
  };
  const afterUpdate = (r: OtaResult) => {
    otaBusy = false;
    lastOta = r.ok ? `installed ${r.version}` : `rejected (${r.error}): ${r.message}`;
    log(`ota: ${lastOta}`);
    // Restart a little later, so the upload's HTTP reply and the log line still go out; through
    // the firmware, so frame counters and publish cursors reach NVS first. An update can only
    // start after attach(), so the firmware is there.
    if (r.ok) firmware!.scheduleReboot(2000);
  };

  const firmwareConfig: FirmwareConfig = {
    mac,
    // QoS 1: the outbox advances only on the broker's PUBACK (at least once).
    qos: 1,
    ...meterConfig(settings, log),
    // configuration_url: the page on port 80 under the name mDNS advertises (see advertiseHomeWizard).
    device: { model: target, swVersion: `${version.major}.${version.minor}.${version.patch}`, configurationUrl: `http://metertap-${mac.slice(-6)}.local/` },
  };
  let health: HealthCheck | undefined;

  return {
    ports: {
      openSource: line.open,
      // Time.ticks for durations: SNTP steps the wall clock from 1970 a few seconds after boot.
      clock: { now: () => Date.now(), monotonic: () => Time.ticks },
      flash: openHistoryPartition(),
      publisher,
      cipher: new AesGcm(),
      crc16Arc: nativeCrc16Arc,
      store,
      log,
      reboot: restart,
      heap: () => deviceFacts().heap,
      micros,
      // Each closed quarter-hour, day and month is signed and kept with its signature in the history partition.
      signer,
      deviceFacts: () => ({
        reset_reason: resetReason,
        rssi: station.rssi ?? null,
        line: line.settings,
        uart: line.counters,
        version: firmwareConfig.device?.swVersion,
        ota_slot: runningSlot(),
        xs_live: xsLiveBytes(),
        ota_health: health?.state ?? null,
        ota_last: lastOta,
        signing_public_key: signer ? toHex(signer.publicKey()) : null,
      }),
    },
    config: firmwareConfig,
    boot: {
      pendingVerify: espBootControl.pendingVerify,
      markValid() {
        log("ota: new image confirmed");
        espBootControl.markValid();
      },
      rollback() {
        log("ota: new image failed its health check: rolling back");
        espBootControl.rollback();
      },
    },
    healthDeadlineMs: config.healthDeadlineS === undefined ? undefined : Number(config.healthDeadlineS) * 1000,

    attach(fw: Firmware, check: HealthCheck) {
      firmware = fw;
      health = check;
      registerOtaCommand(fw, newUpdater, log, afterUpdate, ca);
      const app = deviceWebApp({
        firmware: fw, store, serial: mac, version: String(firmwareConfig.device?.swVersion), timeZone: settings.tz,
        // HomeWizard reports signal strength in %: RSSI -100 dBm is 0, -50 dBm and above 100.
        wifi: () => ({ ssid: settings.ssid, strength: station.rssi === undefined ? undefined : Math.max(0, Math.min(100, 2 * (station.rssi + 100))) }),
        onSaved: () => fw.scheduleReboot(),
      });
      const portal = new Portal({
        app, log, captive: true,
        secret: () => store.read("cmd_secret") || undefined,
        updater: newUpdater,
        onUpdated: afterUpdate,
      });
      // The network first: it brings up lwIP's tcpip task (esp_netif_init), which the portal's
      // listeners need; a listener made before it aborts in tcpip_api_call.
      station.start(Time.ticks);
      portal.start();
    },

    tick(fw: Firmware, monotonicMs: number) {
      station.tick(monotonicMs);
      publisher?.tick(monotonicMs);
      // mDNS once the station has an address (not on the configuration access point).
      if (!advertised && station.rssi !== undefined) {
        advertised = true;
        advertiseHomeWizard(`metertap-${mac.slice(-6)}`, mac, 80, log);
      }
      line.tick(monotonicMs, fw.decoder.stats.ok);
    },
  };
}
