// The MQTT protocol core writes the same bytes and reaches the same verdicts under XS as under
// Node, and those bytes are the MQTT 3.1.1 packets expected; the packet reader survives any input.
import test from "ava";
import fc from "fast-check";
import { startXs } from "./helpers/xs.js";
import { mqttScenario } from "./xs/mqtt-scenario.js";
import { MqttProtocolError, PacketReader } from "../modules/mqtt/packets.js";

test("XS and Node write the same MQTT bytes and report the same deliveries", async (t) => {
  const node = mqttScenario();
  const worker = await startXs("test/xs/mqtt.entry.ts");
  try {
    t.is((await worker.command("")).reply, node);
  } finally {
    await worker.close();
  }
  const lines = node.split("\n");
  // CONNECT: MQTT level 4, flags user+password+will retain+will QoS 1+will+clean, keepalive 30.
  t.is(lines[1], "> 103000044d51545404ee001e000b6d657465727461702d787300086d2f73746174757300076f66666c696e650001750001" + "70");
  t.is(lines[2], "connected");
  t.is(lines[3], "> 32140007" + "6d2f7374617465" + "0001" + "7b2270223a312e357d", "PUBLISH QoS 1, id 1");
  t.is(lines[4], "> 330e00076d2f73746174650002e282ac", "PUBLISH QoS 1 retain, id 2, UTF-8 payload");
  t.is(lines[5], "> 300500036d2f78", "PUBLISH QoS 0");
  t.is(lines[6], "done 3 true", "QoS 0 is done once written");
  t.is(lines[7], "done 2 true", "QoS 1 is done on its PUBACK, in the broker's order");
  t.is(lines[8], "done 1 true", "a PUBACK split across reads");
  t.is(lines[9], "> 820c000300076d2f636d642f2300", "SUBSCRIBE id 3 QoS 0");
  t.is(lines[10], "> 40021234", "an incoming QoS 1 PUBLISH is acknowledged");
  t.is(lines[11], "message a/b hi!");
  t.is(lines[12], "> c000", "PINGREQ after the keepalive");
  t.is(lines[13], "> 320f0007" + "6d2f7374617465" + "0004" + "6c6f7374");
  t.is(lines[14], "log mqtt: broker:1883: protocol error from the broker: unexpected packet type 15 from the broker");
  t.deepEqual(lines.slice(15, 18), ["closed", "done 4 false", "disconnected"]);
  t.regex(lines[18], /"acked":2/);
});

test("the packet reader returns packets or throws MqttProtocolError, for any bytes in any pieces", (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), (pieces) => {
      const r = new PacketReader(1024);
      try {
        for (const p of pieces) {
          r.push(p);
          while (r.next());
        }
      } catch (e) {
        if (!(e instanceof MqttProtocolError)) throw e;
      }
    }),
    { numRuns: 20_000 },
  );
  t.pass();
});
