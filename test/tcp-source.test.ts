// The tcp: source against real sockets: a bridge that accepts and never sends is dropped and
// reopened, a clean close is logged, and "connection refused" is not logged at every retry.
import test from "ava";
import { createServer, type Server, type Socket } from "node:net";
import { sourceOpener } from "../hosts/node/sources.js";

function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })));
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(port: number, idleMs?: number) {
  const logs: string[] = [];
  const errors: string[] = [];
  const src = sourceOpener({ kind: "tcp", host: "127.0.0.1", port, idleMs }, { onEnd() {}, log: (l) => logs.push(l) })({
    onReadable() {},
    onError: (m) => errors.push(m),
  });
  return { src, logs, errors };
}

test.serial("a bridge that accepts and stays silent is noticed, dropped and reconnected", async (t) => {
  let accepts = 0;
  const { server, port } = await listen(() => void accepts++);
  const s = open(port, 300);
  await wait(1000);
  s.src.close();
  server.close();
  t.true(s.logs.some((l) => l === `source: no data from 127.0.0.1:${port} for 0.3 s; reconnecting`), s.logs.join("\n"));
  t.false(s.logs.some((l) => /closed the connection/.test(l)), "our own drop is not the bridge closing");
});

test.serial("a clean close by the bridge is logged", async (t) => {
  const { server, port } = await listen((sock) => sock.end("/"));
  const s = open(port);
  await wait(500);
  s.src.close();
  server.close();
  t.true(s.logs.includes(`source: 127.0.0.1:${port} closed the connection; reconnecting`), s.logs.join("\n"));
});

test.serial("connection refused at every retry is reported once, not every 2 s", async (t) => {
  const { server, port } = await listen(() => {});
  await new Promise((r) => server.close(r));
  const s = open(port);
  await wait(4500);
  s.src.close();
  t.deepEqual(s.errors, [`tcp 127.0.0.1:${port}: ECONNREFUSED`], "three attempts, one line");
});
