// Moddable's ESP32 `ota` module (build/devices/esp32/modules/ota): the SDK ships no typing.
declare module "ota" {
  class OTA {
    /** esp_ota_begin on the next update partition (sequential writes: erases as it goes). */
    constructor();
    write(data: ArrayBuffer | ArrayBufferView): void;
    /** esp_ota_end without selecting the partition. */
    cancel(): void;
    /** esp_ota_end (validates the app image) and esp_ota_set_boot_partition. */
    complete(): void;
  }
  export default OTA;
}
