// Wi-Fi station with reconnect and backoff, and the configuration access point (with a DNS
// server answering every name with our address, so phones open the page) when there are no
// credentials or the station has failed for long. The decisions are WifiPolicy's.
import WiFi from "wifi";
import Net from "net";
import DNSServer from "dns/server";
import Time from "time";
import { ClockSync } from "../clock-sync.js";
import { WifiPolicy } from "../../moddable/wifi-policy.js";
import type { DeviceNetwork, NetworkOptions } from "../network.js";

export class Station implements DeviceNetwork {
  readonly policy: WifiPolicy;
  private wifi?: WiFi;
  private dns?: DNSServer;
  private readonly clock: ClockSync;

  constructor(private readonly options: NetworkOptions) {
    this.policy = new WifiPolicy(!!options.ssid);
    this.clock = new ClockSync(options.timeServer, options.log);
  }

  start(monotonicMs: number): void {
    // Brings up the Wi-Fi driver and lwIP's tcpip task now, before the page's listeners.
    WiFi.mode = WiFi.Mode.station;
    this.policy.start(monotonicMs);
  }

  get rssi(): number | undefined {
    return this.policy.connected ? Net.get("RSSI") : undefined;
  }

  tick(monotonicMs: number): void {
    for (const action of this.policy.tick(monotonicMs)) {
      if (action === "connect") this.connect();
      else if (action === "open-portal") this.openPortal();
      else this.closePortal();
    }
    if (this.policy.connected) this.clock.tick(monotonicMs);
  }

  private connect(): void {
    const { ssid, password } = this.options;
    if (!ssid) return;
    this.wifi?.close();
    this.options.log(`wifi: connecting to ${ssid}`);
    this.wifi = new WiFi({ ssid, password }, (message) => {
      if (message === WiFi.gotIP) {
        this.policy.gotIP();
        this.options.log(`wifi: ${Net.get("IP")}, RSSI ${Net.get("RSSI")}`);
      } else if (message === WiFi.disconnected || message === WiFi.lostIP) {
        this.policy.lostConnection(Time.ticks);
      }
    });
  }

  private openPortal(): void {
    // AP and station together, so the station keeps retrying while the page is up.
    WiFi.accessPoint({ ssid: this.options.apName, station: true } as Parameters<typeof WiFi.accessPoint>[0]);
    // Every name resolves to our access-point address (Net.get takes an interface on the ESP32).
    const apAddress = (Net.get as (what: string, iface: string) => string)("IP", "ap");
    this.dns = new DNSServer(() => apAddress);
    this.options.log(`wifi: configuration access point "${this.options.apName}" open`);
  }

  private closePortal(): void {
    this.dns?.close();
    this.dns = undefined;
    WiFi.mode = WiFi.Mode.station;
    this.options.log("wifi: configuration access point closed");
  }
}
