// The desktop simulator entry (manifest.json creation.main on lin and mac).
import { run } from "../../main.js";
import { simulatorHost } from "./host.js";

run(simulatorHost());
