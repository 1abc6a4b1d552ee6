// The public key OTA images must be signed with (65-byte uncompressed P-256 point, hex).
// Empty: this build refuses every update. Put your key here before flashing:
//   npx metertap sign-image --key ota-private.pem --public-key --format ts > hosts/esp32/ota-key.ts
export const OTA_PUBLIC_KEY = "";
