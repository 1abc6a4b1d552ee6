// The simulated NOR flash: strict program/erase semantics, counters, power cuts and torn erases,
// and the file-backed region of the Node host.
import test from "ava";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FlashError, PowerLoss, SimFlash } from "./sim-flash.js";
import { FileFlash } from "../hosts/node/flash-file.js";

const bytes = (f: SimFlash, at: number, n: number) => [...new Uint8Array(f.read(n, at))];

test("erase sets a 4 KiB block to 0xFF and counts it", (t) => {
  const f = new SimFlash({ blocks: 4 });
  t.deepEqual(f.status(), { blockLength: 4096, blocks: 4 });
  f.write(new Uint8Array([0x00, 0x12]), 4096);
  f.eraseBlock(1);
  t.deepEqual(bytes(f, 4095, 4), [0xff, 0xff, 0xff, 0xff]);
  t.deepEqual([...f.eraseCounts], [0, 1, 0, 0]);
  t.deepEqual([...f.writeCounts], [0, 1, 0, 0]);
  t.throws(() => f.eraseBlock(4), { instanceOf: RangeError });
});

test("programming only clears bits; a write that would set one is refused and changes nothing", (t) => {
  const f = new SimFlash({ blocks: 1 });
  f.write(new Uint8Array([0b10101010]), 10);
  f.write(new Uint8Array([0b00101000]), 10); // clears more bits: allowed
  t.deepEqual(bytes(f, 10, 1), [0b00101000]);
  const err = t.throws(() => f.write(new Uint8Array([0xff, 0b00101001]), 9), { instanceOf: FlashError });
  t.regex(err!.message, /offset 10/);
  t.deepEqual(bytes(f, 9, 2), [0xff, 0b00101000]);
  t.throws(() => f.read(2, 4095), { instanceOf: RangeError });
});

test("a power cut inside a write keeps the bytes before it, tears one byte, and kills the device", (t) => {
  const f = new SimFlash({ blocks: 1, seed: 42 });
  f.cutAfter(3);
  t.throws(() => f.write(new Uint8Array([0, 0, 0, 0, 0, 0]), 0), { instanceOf: PowerLoss });
  const after = bytes(f.clone(), 0, 6);
  t.deepEqual(after.slice(0, 3), [0, 0, 0]);
  t.deepEqual(after.slice(4), [0xff, 0xff]);
  t.false(f.powered);
  t.throws(() => f.read(1, 0), { instanceOf: PowerLoss });
  t.throws(() => f.eraseBlock(0), { instanceOf: PowerLoss });
  f.powerOn();
  t.deepEqual(bytes(f, 0, 3), [0, 0, 0]);
  t.is(f.unitsLeft, Infinity);
});

test("a torn byte holds a random part of the bits being cleared, and only those", (t) => {
  const seen = new Set<number>();
  for (let seed = 1; seed < 200; seed++) {
    const f = new SimFlash({ blocks: 1, seed });
    f.write(new Uint8Array([0b11110000]), 0);
    f.cutAfter(0);
    t.throws(() => f.write(new Uint8Array([0b10100000]), 0), { instanceOf: PowerLoss });
    const v = f.bytes[0];
    t.is(v & 0b10100000, 0b10100000, "bits the write keeps stay set");
    t.is(v & 0b00001111, 0, "bits already clear stay clear");
    seen.add(v);
  }
  t.is(seen.size, 4, "all four outcomes of two bits being cleared occur");
});

test("torn erases: a prefix erased, or stray 0 bits left in an otherwise erased block", (t) => {
  const f = new SimFlash({ blocks: 2, seed: 9 });
  f.write(new Uint8Array(4096), 0);
  f.tornErase = "prefix";
  f.cutAfter(0);
  t.throws(() => f.eraseBlock(0), { instanceOf: PowerLoss });
  f.powerOn();
  const firstZero = f.bytes.indexOf(0);
  t.true(firstZero > 0 && firstZero < 4096, `prefix of ${firstZero} bytes erased`);
  t.true(f.bytes.subarray(0, firstZero).every((b) => b === 0xff));
  t.true(f.bytes.subarray(firstZero, 4096).every((b) => b === 0));
  t.is(f.tornErases, 1);

  f.eraseBlock(0);
  f.write(new Uint8Array(4096), 0);
  f.tornErase = "stray-bits";
  f.cutAfter(0);
  t.throws(() => f.eraseBlock(0), { instanceOf: PowerLoss });
  f.powerOn();
  const block = f.bytes.subarray(0, 4096);
  t.true(block.some((b) => b !== 0xff) && block.some((b) => b !== 0), "partly erased bits");
  t.deepEqual([...f.eraseCounts], [3, 0]);
});

test("bit flips clear bits inside the range asked for", (t) => {
  const f = new SimFlash({ blocks: 2, seed: 5 });
  f.flipBits(10, 4096, 8192);
  t.true(f.bytes.subarray(0, 4096).every((b) => b === 0xff));
  t.true(f.bytes.subarray(4096).some((b) => b !== 0xff));
});

test("the file-backed region persists programs and erases; programming only clears bits, as on NOR", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "metertap-flash-"));
  const path = join(dir, "history.img");
  const f = FileFlash.open(path, 4);
  t.is(readFileSync(path).length, 4 * 4096);
  f.write(new Uint8Array([1, 2, 3]), 5000);
  f.write(new Uint8Array([0xf0]), 100);
  f.write(new Uint8Array([0x3c]), 100);
  f.eraseBlock(0);
  f.write(new Uint8Array([0x0f]), 101);
  f.close();
  const g = FileFlash.open(path);
  t.deepEqual(g.status(), { blockLength: 4096, blocks: 4 });
  t.deepEqual([...new Uint8Array(g.read(3, 5000))], [1, 2, 3]);
  t.deepEqual([...new Uint8Array(g.read(2, 100))], [0xff, 0x0f], "erased after the programs");
  // Read and written through the file, no image in RAM: a second handle sees each write at once.
  const other = FileFlash.open(path);
  g.write(new Uint8Array([0x81]), 8000);
  t.deepEqual([...new Uint8Array(other.read(1, 8000))], [0x81]);
  other.eraseBlock(1);
  t.deepEqual([...new Uint8Array(g.read(3, 5000))], [0xff, 0xff, 0xff]);
  g.write(new Uint8Array([1, 2, 3]), 5000);
  other.close();
  g.write(new Uint8Array([0xff, 0xf7]), 5000);
  t.deepEqual([...new Uint8Array(g.read(2, 5000))], [1, 2], "a program cannot set a bit");
  t.throws(() => g.read(2, 4 * 4096 - 1), { instanceOf: RangeError });
  g.close();
  writeFileSync(join(dir, "bad.img"), new Uint8Array(1000));
  t.throws(() => FileFlash.open(join(dir, "bad.img")), { message: /whole number of 4096-byte blocks/ });
});
