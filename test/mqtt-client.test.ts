// The core MQTT client (modules/mqtt) against a real Mosquitto through the Node socket adapter:
// QoS 1 counts a message delivered on its PUBACK only; a broker frozen and killed with messages in
// flight loses nothing (every record arrives after the restart, at least once); keepalive finds a
// dead link; a broker sending garbage ends the connection with a clear error and nothing else.
import test from "ava";
import { createServer, type Server, type Socket } from "node:net";
import { MqttClient, type MqttClientOptions } from "../modules/mqtt/client.js";
import { Outbox, type RecordLog } from "../modules/publish/outbox.js";
import { nodeSocket } from "../hosts/node/socket.js";
import { Mosquitto, subscriber, until } from "./mqtt/mosquitto.js";

const WILL = { topic: "t/status", payload: "offline", retain: true };

function client(port: number, extra: Partial<MqttClientOptions> = {}, log: string[] = []): MqttClient {
  const c = new MqttClient({
    target: { host: "127.0.0.1", port, secure: false },
    open: nodeSocket(),
    clientId: `test-${Math.random().toString(36).slice(2)}`,
    now: () => Date.now(),
    log: (l) => log.push(l),
    ...extra,
  });
  return c;
}

async function connected(c: MqttClient): Promise<void> {
  c.lastError = "";
  c.connect(WILL);
  await until(() => c.connected || c.lastError !== "", 5000, "connect");
  if (!c.connected) throw new Error(c.lastError);
}

/** An in-memory history: numbered records, cursor = index. */
function memoryLog(): RecordLog<number> & { records: string[] } {
  const records: string[] = [];
  return {
    records,
    readAfter: (_stream, after, limit) => {
      const from = after === null ? 0 : after + 1;
      return records.slice(from, from + limit).map((json, i) => ({ cursor: from + i, json }));
    },
    cursorToString: (c) => String(c),
    cursorFromString: (s) => Number(s),
  };
}

test("QoS 1: done(true) only once the broker's PUBACK arrives; the subscriber gets the message", async (t) => {
  const broker = await Mosquitto.start();
  const c = client(broker.port);
  try {
    const sub = await subscriber(broker.url, ["t/#"]);
    await connected(c);
    const verdicts: boolean[] = [];
    t.true(c.publish("t/a", "héllo ☀", { qos: 1 }, (ok) => verdicts.push(ok)));
    t.is(c.unacknowledged, 1);
    t.deepEqual(verdicts, [], "nothing is delivered before the PUBACK");
    await until(() => verdicts.length === 1, 5000, "PUBACK");
    t.deepEqual(verdicts, [true]);
    t.is(c.unacknowledged, 0);
    t.is(c.stats.acked, 1);
    await until(() => sub.messages.length === 1, 5000, "message");
    t.deepEqual(sub.messages[0], { topic: "t/a", payload: "héllo ☀", retain: false });
    await sub.client.endAsync();
  } finally {
    c.close();
    await broker.stop();
  }
});

test("subscriptions deliver messages to onMessage, and a clean close does not fire the last will", async (t) => {
  const broker = await Mosquitto.start();
  const c = client(broker.port);
  try {
    const sub = await subscriber(broker.url, ["t/status"]);
    await connected(c);
    const got: string[] = [];
    c.onMessage = (topic, payload) => got.push(`${topic} ${payload}`);
    c.subscribe("cmd/#");
    await until(() => c.unacknowledged === 0, 5000, "SUBACK");
    await sub.client.publishAsync("cmd/x", "ping", { qos: 1 });
    await until(() => got.length === 1, 5000, "command");
    t.deepEqual(got, ["cmd/x ping"]);
    c.close();
    await new Promise((r) => setTimeout(r, 300));
    t.deepEqual(sub.messages, [], "no will after DISCONNECT");
    await sub.client.endAsync();
  } finally {
    await broker.stop();
  }
});

test("a broker frozen and killed with records in flight: none counted delivered, all arrive after the restart", async (t) => {
  t.timeout(60_000);
  const broker = await Mosquitto.start();
  const log = memoryLog();
  const c = client(broker.port);
  const outbox = new Outbox(log, c, [{ stream: "p", topic: "t/p" }], { qos: 1, window: 16 });
  c.onConnect = () => outbox.pump();
  c.onDisconnect = () => outbox.disconnected();
  try {
    let sub = await subscriber(broker.url, ["t/p"]);
    await connected(c);
    for (let i = 0; i < 50; i++) log.records.push(`{"n":${i}}`);
    outbox.pump();
    await until(() => outbox.cursors().p === "49", 5000, "first 50 acknowledged");
    await until(() => sub.messages.length === 50, 5000, "first 50 received");

    broker.pause();
    for (let i = 50; i < 100; i++) log.records.push(`{"n":${i}}`);
    outbox.pump();
    await new Promise((r) => setTimeout(r, 300));
    t.is(outbox.inflight, 16, "a full window written into the frozen connection");
    t.is(c.unacknowledged, 16);
    t.is(outbox.cursors().p, "49", "nothing unacknowledged counts as delivered");
    await broker.kill();
    await until(() => !c.connected, 5000, "drop noticed");
    t.is(outbox.cursors().p, "49");
    t.is(outbox.stats.lost, 16, "the in-flight window is reported lost, to be sent again");

    await broker.restart();
    sub = await subscriber(broker.url, ["t/p"]);
    await connected(c);
    await until(() => outbox.idle, 10_000, "backlog delivered");
    t.is(outbox.cursors().p, "99");
    await until(() => new Set(sub.messages.map((m) => m.payload)).size === 50, 5000, "every record after the restart");
    const got = new Set(sub.messages.map((m) => JSON.parse(m.payload).n as number));
    for (let i = 50; i < 100; i++) t.true(got.has(i), `record ${i} arrived`);
    await sub.client.endAsync();
  } finally {
    c.close();
    await broker.stop();
  }
});

test("keepalive: a broker that stops answering is found dead within keepalive + response timeout", async (t) => {
  const broker = await Mosquitto.start();
  const log: string[] = [];
  const c = client(broker.port, { keepAliveS: 1, responseTimeoutMs: 500 }, log);
  const timer = setInterval(() => c.tick(Date.now()), 50);
  try {
    await connected(c);
    let drops = 0;
    c.onDisconnect = () => drops++;
    await new Promise((r) => setTimeout(r, 2500));
    t.true(c.connected, "PINGREQ/PINGRESP keep a live link up");
    broker.pause();
    const t0 = Date.now();
    // A steady stream of QoS 0 messages must not hide the silence.
    const chatter = setInterval(() => c.publish("t/q", "x"), 100);
    await until(() => !c.connected, 5000, "dead link noticed");
    clearInterval(chatter);
    t.log(`dead link noticed after ${Date.now() - t0} ms (keepalive 1 s, response timeout 0.5 s)`);
    t.is(drops, 1);
    t.is(c.lastError, "no PINGRESP within 500 ms, the link is dead (keepalive)");
    t.true(log.some((l) => l.includes("keepalive")));
  } finally {
    clearInterval(timer);
    c.close();
    broker.resume();
    await broker.stop();
  }
});

/** A fake broker: answers CONNECT with `reply` (then whatever `after` says to send). */
async function fakeBroker(reply: (connect: Buffer, socket: Socket) => void): Promise<{ server: Server; port: number; connects: Buffer[] }> {
  const connects: Buffer[] = [];
  const server = createServer((s) => {
    s.once("data", (b) => {
      connects.push(b);
      reply(b, s);
    });
    s.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as { port: number }).port, connects };
}

const CONNACK_OK = Buffer.from([0x20, 2, 0, 0]);

for (const [name, bytes, error] of [
  ["a reserved packet type", Buffer.from([0xf0, 0x00]), /unexpected packet type 15/],
  ["a remaining length of 5 bytes", Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), /remaining length over 4 bytes/],
  ["an oversized packet", Buffer.from([0x30, 0xff, 0xff, 0x03]), /exceeds the 16384-byte limit/],
  ["a PUBACK for an id never sent", Buffer.from([0x40, 2, 0x12, 0x34]), /unknown packet id 4660/],
  ["a PUBLISH with a bad UTF-8 topic", Buffer.from([0x30, 5, 0, 2, 0xc0, 0x80, 0x41]), /invalid UTF-8/],
  ["a second CONNACK", CONNACK_OK, /unexpected CONNACK/],
] as const) {
  test(`malformed broker bytes (${name}) end the connection with a clear error, no exception`, async (t) => {
    const fake = await fakeBroker((_c, s) => s.write(Buffer.concat([CONNACK_OK, bytes])));
    const log: string[] = [];
    const c = client(fake.port, {}, log);
    const verdicts: boolean[] = [];
    let drops = 0;
    c.onConnect = () => c.publish("t/x", "1", { qos: 1 }, (ok) => verdicts.push(ok));
    c.onDisconnect = () => drops++;
    try {
      c.connect(WILL);
      await until(() => c.lastError !== "", 5000, "error");
      t.regex(c.lastError, error);
      t.false(c.connected);
      t.is(drops, 1);
      t.deepEqual(verdicts, [false], "the unacknowledged publish is reported not delivered");
      t.true(log.some((l) => error.test(l)));
    } finally {
      c.close();
      fake.server.close();
    }
  });
}

test("a refused CONNACK is reported by name; the password never reaches a log line", async (t) => {
  const fake = await fakeBroker((_c, s) => s.write(Buffer.from([0x20, 2, 0, 5])));
  const log: string[] = [];
  const c = client(fake.port, { username: "meter", password: "s3cret-pw" }, log);
  try {
    c.connect(WILL);
    await until(() => c.lastError !== "", 5000, "refusal");
    t.is(c.lastError, "broker refused the connection: not authorised");
    t.false(c.connected);
    const connect = fake.connects[0];
    t.true(connect.includes(Buffer.from("s3cret-pw")), "the password is in CONNECT");
    t.false(log.join("\n").includes("s3cret-pw"));
  } finally {
    c.close();
    fake.server.close();
  }
});

test("no CONNACK within the response timeout: the attempt fails and can be retried", async (t) => {
  const fake = await fakeBroker(() => {});
  const c = client(fake.port, { responseTimeoutMs: 200 });
  const timer = setInterval(() => c.tick(Date.now()), 20);
  try {
    c.connect(WILL);
    await until(() => c.lastError !== "", 5000, "timeout");
    t.is(c.lastError, "no CONNACK within 200 ms");
    t.false(c.connected);
  } finally {
    clearInterval(timer);
    c.close();
    fake.server.close();
  }
});

test("connect() while an attempt is under way does not abort it (a slow TLS handshake must be able to finish)", async (t) => {
  const fake = await fakeBroker((_c, s) => setTimeout(() => s.write(CONNACK_OK), 300));
  const c = client(fake.port);
  try {
    c.connect(WILL);
    await new Promise((r) => setTimeout(r, 100));
    c.connect(WILL); // the core's MqttLink retries on its own backoff
    await until(() => c.connected || c.lastError !== "", 5000, "connect");
    t.true(c.connected);
    t.is(fake.connects.length, 1, "one CONNECT, on one socket");
  } finally {
    c.close();
    fake.server.close();
  }
});

test("a connection that never opens (a TLS handshake that hangs) is given up after the open timeout", (t) => {
  let closed = 0;
  let now = 0;
  const c = new MqttClient({
    target: { host: "broker", port: 8883, secure: true },
    open: () => ({ read: () => undefined, write: () => {}, close: () => void closed++ }),
    clientId: "x",
    now: () => now,
    log: () => {},
  });
  c.connect(WILL);
  now = 29_000;
  c.tick(now);
  t.is(c.lastError, "");
  now = 30_001;
  c.tick(now);
  t.is(c.lastError, "no TCP connection and TLS handshake within 30000 ms");
  t.is(closed, 1);
  t.false(c.connected);
});

test("a socket with more than maxQueued bytes waiting refuses publishes until it drains", (t) => {
  let queued = 0;
  let incoming: Uint8Array | undefined;
  let callbacks!: Parameters<MqttClientOptions["open"]>[1];
  const c = new MqttClient({
    target: { host: "broker", port: 1883, secure: false },
    open: (_target, cb) => {
      callbacks = cb;
      return {
        read: () => { const r = incoming; incoming = undefined; return r?.slice().buffer as ArrayBuffer | undefined; },
        write: () => {},
        close: () => {},
        get queued() {
          return queued;
        },
      };
    },
    clientId: "x",
    now: () => 0,
    log: () => {},
    maxQueued: 4096,
  });
  c.connect(WILL);
  callbacks.onWritable(1024);
  incoming = Uint8Array.of(0x20, 0x02, 0x00, 0x00); // CONNACK, accepted
  callbacks.onReadable(4);
  t.true(c.connected);
  t.true(c.publish("t/a", "1"));
  queued = 4097;
  t.false(c.publish("t/a", "2"), "backed up: refused, the caller keeps it");
  t.true(c.connected, "a slow link is no dead link");
  queued = 4096;
  t.true(c.publish("t/a", "3"));
  t.is(c.stats.published, 2);
});
