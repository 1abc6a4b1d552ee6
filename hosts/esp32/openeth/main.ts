// The ESP32 entry for QEMU (creation.main of hosts/esp32/openeth/manifest.json): the OpenCores
// Ethernet instead of Wi-Fi.
import { run } from "../../../main.js";
import { esp32Host } from "../host.js";
import { EthernetNetwork } from "./network.js";

run(esp32Host((options) => new EthernetNetwork(options)));
