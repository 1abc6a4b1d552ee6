// The ESP32 entry for boards (creation.main of hosts/esp32/wifi/manifest.json): Wi-Fi station
// with the configuration access point.
import { run } from "../../../main.js";
import { esp32Host } from "../host.js";
import { Station } from "./network.js";

run(esp32Host((options) => new Station(options)));
