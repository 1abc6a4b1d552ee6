// metertap's MQTT encoders against mqtt-packet, the encoder mqtt.js uses: byte for byte, on the
// remaining-length boundaries (127/128, 16,383/16,384 bytes) and with UTF-8 topics.
import test from "ava";
import fc from "fast-check";
import mqttPacket from "mqtt-packet";
import { encodePublish } from "../modules/mqtt/packets.js";
import { utf8Encode } from "../modules/util/bytes.js";

function reference(topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean, dup: boolean, id: number): Uint8Array {
  return new Uint8Array(mqttPacket.generate({
    cmd: "publish", topic, payload: Buffer.from(payload), qos, retain, dup, ...(qos ? { messageId: id } : {}),
  } as mqttPacket.IPublishPacket));
}

test("PUBLISH packets are mqtt-packet's, byte for byte", (t) => {
  const cases: [string, number][] = [["metertap/m/state", 0], ["t", 121], ["t", 122], ["t", 123], ["t", 16_377], ["t", 16_378], ["t", 16_379], ["t", 16_380], ["metertap/m/value/énergie", 3]];
  for (const [topic, size] of cases) {
    const payload = utf8Encode("x".repeat(size));
    for (const qos of [0, 1] as const) {
      t.deepEqual(encodePublish({ topic, payload, qos, retain: true, dup: false, id: 513 }), reference(topic, payload, qos, true, false, 513), `${topic} ${size} qos ${qos}`);
    }
  }
  fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.uint8Array({ maxLength: 300 }), fc.constantFrom(0 as const, 1 as const), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 65535 }),
    (topic, payload, qos, retain, dup, id) => {
      t.deepEqual(encodePublish({ topic, payload, qos, retain, dup, id }), reference(topic, payload, qos, retain, dup, id));
    }), { numRuns: 2000, seed: 3 });
});
