// What the ESP32 host needs from its network: Wi-Fi on boards (wifi/network.ts), the OpenCores
// Ethernet in QEMU (openeth/network.ts). The build picks one (manifest.json, METERTAP_NET) and
// its entry module hands it to esp32Host.
export interface NetworkOptions {
  ssid?: string;
  password?: string;
  /** Access point name, e.g. metertap-a1b2c3. */
  apName: string;
  /** SNTP server for the wall clock. */
  timeServer: string;
  log(line: string): void;
}

export interface DeviceNetwork {
  /** Brings the IP stack up (the page's listeners need it), then connects in the background. */
  start(monotonicMs: number): void;
  tick(monotonicMs: number): void;
  /** Signal strength in dBm while connected over radio. */
  readonly rssi: number | undefined;
}

export type NetworkFactory = (options: NetworkOptions) => DeviceNetwork;
