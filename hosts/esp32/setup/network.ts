// Replaces the SDK's setup/network on the ESP32: that one waits for Wi-Fi (when built with
// ssid=...) before main runs. metertap reads the meter from power-on and manages Wi-Fi itself
// (hosts/esp32/wifi.ts), taking mcconfig's ssid/password only as defaults.
export default function setup(done: () => void): void {
  done();
}
