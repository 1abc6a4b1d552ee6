// The SDK's `net` for the QEMU build: mDNS (hosts/moddable/web.ts) asks Net.get("IP"), SNTP
// Net.resolve. The SDK's ESP32 `net` reads Wi-Fi state (esp_wifi_*), which cannot link here; this
// answers from the OpenCores Ethernet instead.
// Module "net" has no folder of its own on XS, so the import names the module, not a path.
import { ethernetAddress } from "hosts/esp32/openeth/openeth";

export default class Net {
  static get(what: string): string | undefined {
    return what === "IP" ? ethernetAddress() : undefined;
  }

  /** Addresses only: the SDK's resolver is in the same C as its Wi-Fi code (the SNTP server is an address here). */
  static resolve(host: string, callback: (host: string, address?: string) => void): void {
    callback(host, /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? host : undefined);
  }
}
