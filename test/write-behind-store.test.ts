// Runtime state reaches a wearing store (NVS) at most once per interval, and nothing is lost on a
// clean stop: the replay guard and the publish cursors write on every frame.
import test from "ava";
import type { KeyValueStore } from "../modules/ports/ports.js";
import { WriteBehindStore } from "../modules/app/write-behind-store.js";
import { MemoryStore, ReplayGuard } from "../modules/security/replay.js";

class CountingStore implements KeyValueStore {
  readonly inner = new MemoryStore();
  writes = 0;
  deletes = 0;
  read(key: string): string | undefined {
    return this.inner.read(key);
  }
  write(key: string, value: string): void {
    this.writes++;
    this.inner.write(key, value);
  }
  delete(key: string): void {
    this.deletes++;
    this.inner.delete(key);
  }
}

test("reads see the newest value at once; the backing store gets it once per interval", (t) => {
  const backing = new CountingStore();
  const store = new WriteBehindStore(backing, 60_000, 0);
  const guard = new ReplayGuard(store);
  const title = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
  // One DLMS frame a second for ten minutes.
  for (let s = 1; s <= 600; s++) {
    t.true(guard.isFresh(title, s));
    guard.accept(title, s);
    t.false(guard.isFresh(title, s), "a replay is refused at once, before any flush");
    store.tick(s * 1000);
  }
  t.is(backing.writes, 10, "one write a minute instead of 600");
  t.is(new ReplayGuard(backing).last(title), 600);
});

test("flush writes what is pending, deletes included; a reset is seen at once", (t) => {
  const backing = new CountingStore();
  backing.write("a", "1");
  const store = new WriteBehindStore(backing, 60_000, 0);
  store.write("b", "2");
  store.delete("a");
  t.is(store.read("a"), undefined);
  t.is(store.read("b"), "2");
  t.is(backing.read("a"), "1", "not yet written");
  store.tick(59_999);
  t.is(backing.read("b"), undefined);
  store.flush(60_000);
  t.is(backing.read("a"), undefined);
  t.is(backing.read("b"), "2");
  t.is(backing.deletes, 1);
  store.tick(200_000);
  t.is(backing.writes, 2, "nothing pending, nothing written");
});
