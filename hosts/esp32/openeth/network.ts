// The DeviceNetwork of the QEMU build: Ethernet up at start, DHCP, one log line with the address.
// No access point, no radio; the clock from the SNTP server the build names (the device check
// answers on the host, as QEMU's user network has no Internet).
import type { DeviceNetwork, NetworkOptions } from "../network.js";
import { ClockSync } from "../clock-sync.js";
import { ethernetAddress, startEthernet } from "./openeth.js";

export class EthernetNetwork implements DeviceNetwork {
  private address?: string;
  private readonly clock: ClockSync;
  readonly rssi = undefined;

  constructor(private readonly options: NetworkOptions) {
    this.clock = new ClockSync(options.timeServer, options.log);
  }

  start(): void {
    startEthernet();
    this.options.log("net: ethernet (openeth) started");
  }

  tick(monotonicMs: number): void {
    if (!this.address) {
      this.address = ethernetAddress();
      if (this.address) this.options.log(`net: ${this.address}`);
    }
    if (this.address) this.clock.tick(monotonicMs);
  }
}
