// The DeviceNetwork of the QEMU build: Ethernet up at start, DHCP, one log line with the address.
// No access point, no radio, no SNTP (QEMU's user network has no Internet).
import type { DeviceNetwork, NetworkOptions } from "../network.js";
import { ethernetAddress, startEthernet } from "./openeth.js";

export class EthernetNetwork implements DeviceNetwork {
  private address?: string;
  readonly rssi = undefined;

  constructor(private readonly options: NetworkOptions) {}

  start(): void {
    startEthernet();
    this.options.log("net: ethernet (openeth) started");
  }

  tick(): void {
    if (this.address) return;
    this.address = ethernetAddress();
    if (this.address) this.options.log(`net: ${this.address}`);
  }
}
