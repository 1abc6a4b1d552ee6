// The ESP32 entry (manifest.json creation.main on esp32).
import { run } from "../../main.js";
import { esp32Host } from "./host.js";

run(esp32Host());
