// One firmware run, the same under Node and XS (test/publish-xs.test.ts): telegrams in, every
// MQTT message the core publishes out. Fake ports: a clock that follows the meter, RAM flash, a
// publisher that records and acknowledges at once.
import { Firmware } from "../../modules/app/firmware.js";
import type { Publisher, PublishOptions, Will } from "../../modules/ports/ports.js";
import { SimFlash } from "../sim-flash.js";
import { pushedSource } from "../helpers/pushed-source.js";

class RecordingPublisher implements Publisher {
  connected = false;
  readonly messages: string[] = [];
  onMessage?: (topic: string, payload: string) => void;
  onConnect?: () => void;
  onDisconnect?: () => void;
  connect(will: Will): void {
    this.messages.push(`will ${will.topic} ${will.payload}`);
    this.connected = true;
    this.onConnect?.();
  }
  publish(topic: string, payload: string, o: PublishOptions = {}, done?: (ok: boolean) => void): boolean {
    if (!this.connected) return false;
    this.messages.push(`${topic}${o.retain ? " [retain]" : ""} ${payload}`);
    done?.(true);
    return true;
  }
  subscribe(topic: string): void {
    this.messages.push(`subscribe ${topic}`);
  }
  close(): void {
    this.connected = false;
  }
}

/** `input`: telegrams separated by "\f"; each is pushed at its own meter second, 10 s apart. */
export function publishScenario(input: string): string {
  const clock = { ms: Date.UTC(2026, 2, 28, 10), now: () => clock.ms };
  const pub = new RecordingPublisher();
  const line = pushedSource();
  const fw = new Firmware({
    openSource: line.open,
    clock,
    flash: new SimFlash({ blocks: 16 }),
    publisher: pub,
    log: () => {},
  }, { deviceId: "xs", diagIntervalMs: 3_600_000, qos: 1 });
  fw.start();
  for (const telegram of input.split("\f")) {
    const bytes = new Uint8Array(telegram.length);
    for (let i = 0; i < telegram.length; i++) bytes[i] = telegram.charCodeAt(i);
    line.push(bytes);
    fw.endOfInput();
    fw.tick(clock.ms);
    clock.ms += 10_000;
  }
  pub.onMessage?.("metertap/xs/cmd/history", '{"stream":"quarter-hour","from":"2026-03-28T10:00:00Z"}');
  pub.onMessage?.("metertap/xs/cmd/nope", "{}");
  fw.stop();
  return pub.messages.join("\n");
}
