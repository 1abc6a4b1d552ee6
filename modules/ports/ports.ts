// The ports through which a host gives the portable core its I/O. The core never imports a host;
// main.ts (Moddable) or hosts/node hand it objects of these shapes. IO ports follow ECMA-419.

/** A byte source shaped like ECMA-419 `embedded:io/serial` in "buffer" format. */
export interface ByteSource {
  /** Returns every byte available now, or undefined when none is. */
  read(): ArrayBuffer | undefined;
  close(): void;
}

/** Callbacks the core gives a host when it opens a byte source (ECMA-419 style). */
export interface ByteSourceCallbacks {
  onReadable(count: number): void;
  onError?(message: string): void;
}

export type OpenByteSource = (callbacks: ByteSourceCallbacks) => ByteSource;

/** Wall clock in ms since the epoch (UTC). Hosts without a set clock return their best guess. */
export interface Clock {
  now(): number;
  /**
   * Milliseconds that never jump, for durations (link timeout, uptime). A host whose wall clock
   * is set after boot (SNTP) must give it: without, a step of the wall clock counts as time passed.
   */
  monotonic?(): number;
}

/**
 * Raw flash region shaped like ECMA-419 `embedded:storage/flash`: reads and writes anywhere,
 * erases whole blocks. NOR semantics: writing can only clear bits; erase sets a block to 0xFF.
 */
export interface FlashRegion {
  read(byteLength: number, byteOffset: number): ArrayBuffer;
  write(buffer: ArrayBuffer | ArrayBufferView, byteOffset: number): void;
  eraseBlock(block: number): void;
  status(): { blockLength: number; blocks: number };
}

/** A CRC-16 over `bytes[start..end)`, supplied by a host that has it in native code. */
export type Crc16 = (bytes: Uint8Array, start: number, end: number) => number;

/** AES-128-GCM, supplied by the host (node:crypto, or the native PSA module on Moddable). */
export interface Cipher {
  /** Verifies `tag` (any length 4..16) over `aad` and `ciphertext`; returns the plaintext, or null on a tag mismatch. */
  gcmDecrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null;
  /** GCM's counter mode without a tag (security control "encryption only"): keystream from J0+1. */
  gcmDecryptUntagged(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array;
}

/**
 * A small persistent key-value store, shaped like ECMA-419 `embedded:storage/key-value` in
 * string format. Keys are at most 15 characters and values at most 4000 bytes (ESP32 preference limits).
 */
export interface KeyValueStore {
  read(key: string): string | undefined;
  write(key: string, value: string): void;
  delete(key: string): void;
}

/**
 * ECDSA P-256 with the device's own key (PSA Crypto on the dongle, node:crypto on Node), made on
 * first boot and kept in the host's key-value store; the private key never leaves the host.
 */
export interface Signer {
  /** SEC1 uncompressed public key (65 bytes: 04 || X || Y). */
  publicKey(): Uint8Array;
  /** DER-encoded ECDSA signature over SHA-256 of `message`. */
  sign(message: Uint8Array): Uint8Array;
}

export interface PublishOptions {
  retain?: boolean;
  qos?: 0 | 1;
}

/** The last will the broker publishes when the connection drops without a goodbye. */
export interface Will {
  topic: string;
  payload: string;
  retain: boolean;
}

/** An MQTT connection as the core sees it. */
export interface Publisher {
  readonly connected: boolean;
  /**
   * Returns false when the message could not be handed to the network (not connected, or the link
   * is backed up). `done`, when given, is called once: true when delivered (QoS 1: on PUBACK;
   * QoS 0: once written), false when lost.
   */
  publish(topic: string, payload: string, options?: PublishOptions, done?: (delivered: boolean) => void): boolean;
  subscribe(topic: string): void;
  /** (Re)opens the connection with this last will. The core calls it, with backoff, while not connected. */
  connect?(will: Will): void;
  /** Sends what is queued, then closes (clean shutdown: the will is not published). */
  close?(): void;
  /** Set by the core. */
  onMessage?: (topic: string, payload: string) => void;
  onConnect?: () => void;
  onDisconnect?: () => void;
}

/** A stream socket shaped like ECMA-419 `embedded:io/socket/tcp` in "buffer" format (plain or TLS). */
export interface StreamSocket {
  /** Returns every byte available now, or undefined when none is. */
  read(): ArrayBuffer | undefined;
  /** Queues all of `bytes` (the host buffers what the network cannot take yet). */
  write(bytes: Uint8Array): void;
  /** Bytes written and still waiting in the host's buffer: a slow link shows here. */
  readonly queued?: number;
  close(): void;
}

export interface StreamSocketCallbacks {
  /** The connection (and the TLS handshake, if any) is up, or there is room to write again. */
  onWritable(count: number): void;
  onReadable(count: number): void;
  /** The connection failed or ended; `message` says why (TLS refusals name the certificate problem). */
  onError(message: string): void;
}

export interface SocketTarget {
  host: string;
  port: number;
  /** TLS, verifying the server's certificate chain and host name. */
  secure: boolean;
}

export type OpenStreamSocket = (target: SocketTarget, callbacks: StreamSocketCallbacks) => StreamSocket;
