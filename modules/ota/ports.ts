// The ports the OTA core needs from a host: a write-once update slot, SHA-256, the signature
// check with the compiled-in public key, and the boot loader's rollback state.

/**
 * The inactive firmware slot, shaped like Moddable's `ota` module (esp_ota_begin / esp_ota_write /
 * esp_ota_end + esp_ota_set_boot_partition). Only the image payload is written here.
 */
export interface OtaSink {
  /** Opens (and erases) the inactive slot for `byteLength` bytes. */
  begin(byteLength: number): void;
  write(bytes: Uint8Array): void;
  /** Ends the write and selects the slot for the next boot. Called only after the signature verified. */
  complete(): void;
  /** Abandons the write; the running slot stays the boot slot. */
  cancel(): void;
}

/** A streaming SHA-256 (PSA or Moddable's Digest on the device, node:crypto on Node). */
export interface Sha256 {
  update(bytes: Uint8Array): void;
  /** The 32-byte digest; the object is spent afterwards. */
  digest(): Uint8Array;
}

export type Sha256Factory = () => Sha256;

/** Checks an image signature against the public key the host was built with. */
export interface SignatureVerifier {
  /**
   * True when `signature` (64 bytes, r || s) is a valid ECDSA P-256 / SHA-256 signature whose
   * signed message is `digest`, the SHA-256 of the image's header and payload.
   */
  verify(digest: Uint8Array, signature: Uint8Array): boolean;
}

/** The running image's rollback state (ESP-IDF app rollback on the device). */
export interface BootControl {
  /** True while the running image is new and not yet confirmed (ESP_OTA_IMG_PENDING_VERIFY). */
  pendingVerify(): boolean;
  /** Confirms the running image (esp_ota_mark_app_valid_cancel_rollback). */
  markValid(): void;
  /** Rejects the running image and reboots into the previous one (esp_ota_mark_app_invalid_rollback_and_reboot). */
  rollback(): void;
}
