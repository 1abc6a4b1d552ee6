// Wires a Moddable host's ports into the core, the same way hosts/node does: the firmware
// pipeline, a 250 ms tick, and the post-update health check that confirms or rolls back a new
// image. The platform entries (hosts/esp32/main.ts, hosts/moddable-sim/main.ts) call run().
import Timer from "timer";
import Time from "time";
import { Firmware } from "./modules/app/firmware.js";
import { HealthCheck } from "./modules/ota/health.js";
import type { MetertapHost } from "./hosts/moddable/host-api.js";

export const TICK_MS = 250;

export function run(host: MetertapHost): Firmware {
  const fw = new Firmware(host.ports, host.config);
  const health = new HealthCheck(host.boot, { deadlineMs: host.healthDeadlineMs });
  host.attach(fw, health);
  fw.start();
  health.start(Time.ticks);
  if (health.state === "waiting") host.ports.log(`ota: new image, confirming once a frame decodes and MQTT connects`);
  Timer.repeat(() => {
    const now = Time.ticks;
    if (fw.decoder.stats.ok > 0) health.frameDecoded(now);
    if (fw.connected) health.mqttConnected(now);
    health.tick(now);
    host.tick(fw, now);
    fw.tick(host.ports.clock.now());
  }, TICK_MS);
  return fw;
}
