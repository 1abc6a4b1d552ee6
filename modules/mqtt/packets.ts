// MQTT 3.1.1 packets (OASIS standard, section 3): encoders for what a client sends and a strict
// reader for what a broker sends. Pure bytes, no I/O, so the same code runs on XS and on Node.
// Anything a broker must not send raises MqttProtocolError: the client drops the connection.
import { utf8Encode } from "../util/bytes.js";

export class MqttProtocolError extends Error {}

export const enum PacketType {
  CONNECT = 1,
  CONNACK = 2,
  PUBLISH = 3,
  PUBACK = 4,
  SUBSCRIBE = 8,
  SUBACK = 9,
  PINGREQ = 12,
  PINGRESP = 13,
  DISCONNECT = 14,
}

/** Strict UTF-8 decoding: overlong forms, surrogates and truncated sequences are protocol errors. */
export function utf8Decode(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; ) {
    const c = b[i++];
    let n = 0;
    let cp = c;
    let min = 0;
    if (c >= 0xf0 && c < 0xf5) [n, cp, min] = [3, c & 7, 0x10000];
    else if (c >= 0xe0 && c < 0xf0) [n, cp, min] = [2, c & 15, 0x800];
    else if (c >= 0xc2 && c < 0xe0) [n, cp, min] = [1, c & 31, 0x80];
    else if (c >= 0x80) throw new MqttProtocolError("invalid UTF-8");
    for (let k = 0; k < n; k++) {
      const d = b[i++];
      if (d === undefined || (d & 0xc0) !== 0x80) throw new MqttProtocolError("invalid UTF-8");
      cp = (cp << 6) | (d & 63);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new MqttProtocolError("invalid UTF-8");
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** A packet of `length` bytes after its fixed header, with that header written; the body is at `at`. */
function packet(first: number, length: number): { out: Uint8Array; at: number } {
  if (length > 268_435_455) throw new RangeError("MQTT packet too large");
  const out = new Uint8Array(1 + (length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4) + length);
  out[0] = first;
  let at = 1;
  let x = length;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 128;
    out[at++] = byte;
  } while (x > 0);
  return { out, at };
}

/** Fixed header byte + remaining length + body. */
function frame(first: number, parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  let { out, at } = packet(first, length);
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u16(n: number): Uint8Array {
  return new Uint8Array([n >> 8, n & 255]);
}

/** A 2-byte length prefix and the bytes (strings as UTF-8). */
function field(v: string | Uint8Array): Uint8Array {
  const bytes = typeof v === "string" ? utf8Encode(v) : v;
  if (bytes.length > 65535) throw new RangeError("MQTT string too long");
  const out = new Uint8Array(2 + bytes.length);
  out.set(u16(bytes.length), 0);
  out.set(bytes, 2);
  return out;
}

export interface ConnectOptions {
  clientId: string;
  keepAliveS: number;
  clean: boolean;
  username?: string;
  password?: string;
  will?: { topic: string; payload: string; retain: boolean; qos: 0 | 1 };
}

export function encodeConnect(o: ConnectOptions): Uint8Array {
  let flags = o.clean ? 0x02 : 0;
  const payload = [field(o.clientId)];
  if (o.will) {
    flags |= 0x04 | (o.will.qos << 3) | (o.will.retain ? 0x20 : 0);
    payload.push(field(o.will.topic), field(o.will.payload));
  }
  if (o.username !== undefined) {
    flags |= 0x80;
    payload.push(field(o.username));
    // 3.1.1 allows a password only with a user name (3.1.2.9).
    if (o.password !== undefined) {
      flags |= 0x40;
      payload.push(field(o.password));
    }
  }
  const header = new Uint8Array([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, flags, o.keepAliveS >> 8, o.keepAliveS & 255]);
  return frame(PacketType.CONNECT << 4, [header, ...payload]);
}

export interface PublishPacket {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
  dup: boolean;
  /** Packet identifier, QoS 1 only. */
  id?: number;
}

/**
 * Written in place into one buffer: the dongle publishes a dozen messages a telegram, and each
 * part `frame` takes is a typed array and a buffer, objects for XS to collect.
 */
export function encodePublish(p: PublishPacket): Uint8Array {
  const first = (PacketType.PUBLISH << 4) | (p.dup ? 8 : 0) | (p.qos << 1) | (p.retain ? 1 : 0);
  const topic = utf8Encode(p.topic);
  if (topic.length > 65535) throw new RangeError("MQTT string too long");
  const { out, at } = packet(first, 2 + topic.length + (p.qos > 0 ? 2 : 0) + p.payload.length);
  let i = at;
  out[i++] = topic.length >> 8;
  out[i++] = topic.length & 255;
  out.set(topic, i);
  i += topic.length;
  if (p.qos > 0) {
    out[i++] = p.id! >> 8;
    out[i++] = p.id! & 255;
  }
  out.set(p.payload, i);
  return out;
}

export function encodePuback(id: number): Uint8Array {
  return frame(PacketType.PUBACK << 4, [u16(id)]);
}

export function encodeSubscribe(id: number, topic: string, qos: 0 | 1): Uint8Array {
  return frame((PacketType.SUBSCRIBE << 4) | 2, [u16(id), field(topic), new Uint8Array([qos])]);
}

export const PINGREQ = new Uint8Array([PacketType.PINGREQ << 4, 0]);
export const DISCONNECT = new Uint8Array([PacketType.DISCONNECT << 4, 0]);

export type Incoming =
  | { type: PacketType.CONNACK; sessionPresent: boolean; code: number }
  | ({ type: PacketType.PUBLISH } & PublishPacket)
  | { type: PacketType.PUBACK; id: number }
  | { type: PacketType.SUBACK; id: number; codes: number[] }
  | { type: PacketType.PINGRESP };

/** What CONNACK return codes 1..5 mean (3.2.2.3). */
export const CONNACK_REASONS = ["accepted", "unacceptable protocol version", "client identifier rejected", "server unavailable", "bad user name or password", "not authorised"];

function decode(first: number, body: Uint8Array): Incoming {
  const type = first >> 4;
  const flags = first & 15;
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new MqttProtocolError(what);
  };
  const id = () => (body[0] << 8) | body[1];
  switch (type) {
    case PacketType.CONNACK:
      need(flags === 0 && body.length === 2 && body[0] <= 1, "malformed CONNACK");
      return { type, sessionPresent: body[0] === 1, code: body[1] };
    case PacketType.PUBACK:
      need(flags === 0 && body.length === 2, "malformed PUBACK");
      return { type, id: id() };
    case PacketType.SUBACK:
      need(flags === 0 && body.length >= 3, "malformed SUBACK");
      return { type, id: id(), codes: Array.from(body.subarray(2)) };
    case PacketType.PINGRESP:
      need(flags === 0 && body.length === 0, "malformed PINGRESP");
      return { type };
    case PacketType.PUBLISH: {
      const qos = (flags >> 1) & 3;
      // We subscribe with QoS 0 and never ask for QoS 2.
      need(qos <= 1, "PUBLISH with QoS 2");
      need(body.length >= 2, "malformed PUBLISH");
      const topicEnd = 2 + ((body[0] << 8) | body[1]);
      need(topicEnd + (qos ? 2 : 0) <= body.length, "malformed PUBLISH");
      const topic = utf8Decode(body.subarray(2, topicEnd));
      const packetId = qos ? (body[topicEnd] << 8) | body[topicEnd + 1] : undefined;
      need(packetId !== 0, "PUBLISH with packet id 0");
      return { type, topic, qos: qos as 0 | 1, retain: (flags & 1) === 1, dup: (flags & 8) === 8, id: packetId, payload: body.slice(topicEnd + (qos ? 2 : 0)) };
    }
    default:
      throw new MqttProtocolError(`unexpected packet type ${type} from the broker`);
  }
}

/** Reassembles packets from a byte stream delivered in arbitrary pieces. */
export class PacketReader {
  private buf = new Uint8Array(256);
  private start = 0;
  private end = 0;

  constructor(private readonly maxPacket: number) {}

  /** Adds bytes received from the broker. */
  push(bytes: Uint8Array): void {
    this.append(bytes);
  }

  /**
   * The next complete packet, or undefined until more bytes arrive. Throws MqttProtocolError on bad
   * input; the packets before it are still returned one by one first.
   */
  next(): Incoming | undefined {
    const avail = this.end - this.start;
    if (avail < 2) return undefined;
    let length = 0;
    let mult = 1;
    let i = 1;
    for (; ; i++) {
      if (i > 4) throw new MqttProtocolError("remaining length over 4 bytes");
      if (i >= avail) return undefined;
      const b = this.buf[this.start + i];
      length += (b & 127) * mult;
      mult *= 128;
      if (!(b & 128)) break;
    }
    if (length > this.maxPacket) throw new MqttProtocolError(`packet of ${length} bytes exceeds the ${this.maxPacket}-byte limit`);
    const total = i + 1 + length;
    if (avail < total) return undefined;
    const first = this.buf[this.start];
    const body = this.buf.slice(this.start + i + 1, this.start + total);
    this.start += total;
    if (this.start === this.end) this.start = this.end = 0;
    return decode(first, body);
  }

  private append(bytes: Uint8Array): void {
    if (this.end + bytes.length > this.buf.length) {
      const live = this.end - this.start;
      const size = Math.max(this.buf.length, (live + bytes.length) * 2);
      const next = size === this.buf.length ? this.buf : new Uint8Array(size);
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
  }
}
