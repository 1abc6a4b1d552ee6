// The SDK's `net` for the QEMU build: mDNS (hosts/moddable/web.ts) asks Net.get("IP"). The SDK's
// ESP32 `net` reads Wi-Fi state (esp_wifi_*), which cannot link here; this answers from the
// OpenCores Ethernet instead.
// Module "net" has no folder of its own on XS, so the import names the module, not a path.
import { ethernetAddress } from "hosts/esp32/openeth/openeth";

export default class Net {
  static get(what: string): string | undefined {
    return what === "IP" ? ethernetAddress() : undefined;
  }
}
