#!/usr/bin/env bash
# Boots the QEMU build of metertap (scripts/device-check.sh builds it) on QEMU's esp32c3 machine:
# UART0 (console) to a file, UART1 (the C3's meter UART) from a TCP socket this script feeds with a
# DSMR 5 capture from the corpus, the OpenCores Ethernet on QEMU's user network, where the host's
# Mosquitto is 10.0.2.2. Asserts: the firmware logs its version with the eFuse MAC as device id,
# gets an address, connects to MQTT, publishes its status, Home Assistant discovery and diagnostics
# (free heap), and answers the diag command; that the capture fed to UART1 decodes and its state
# arrives with the capture's values; and that 1,000 more telegrams decode without the free heap
# shrinking.
#
#   scripts/device/qemu-check.sh BUILD_DIR WORK_DIR     (BUILD_DIR: .../xsProj-esp32c3/build)
# Environment: DEVICE_MQTT_PORT (the port the image was built for), DEVICE_BOOT_S (timeout).
set -uo pipefail
BLD=$1 WORK=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PORT=${DEVICE_MQTT_PORT:-18841}
WAIT_S=${DEVICE_BOOT_S:-120}
CAPTURE=${DEVICE_CAPTURE:-$ROOT/../shared/corpus/dsmr-ndokter-v5-iskra-mt382.txt}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
fail() { echo "qemu-check: FAILED: $*"; echo "--- console (tail)"; tail -20 "$WORK/console.log" 2>/dev/null; echo "--- mqtt (head)"; head -10 "$WORK/mqtt.log" 2>/dev/null | cut -c1-300; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

(cd "$BLD" && python -m esptool --chip esp32c3 merge-bin --output "$WORK/flash.bin" --pad-to-size 8MB @flash_args) \
  >"$WORK/merge.log" 2>&1 || { tail -5 "$WORK/merge.log"; fail "merge-bin"; }
# The kit's eFuse image has no factory MAC (a real chip always has one): burn one into BLOCK1
# (MAC_FACTORY, bits 0-47, last byte first; the image keeps BLOCK0's 24 bytes first), so the check
# sees the device id come from eFuse.
MAC=240ac400c301
cp "$ESP32C3_EFUSE_TEMPLATE" "$WORK/efuse.bin"
python3 - "$WORK/efuse.bin" "$MAC" <<'PY'
import sys
path, mac = sys.argv[1], bytes.fromhex(sys.argv[2])
image = bytearray(open(path, "rb").read())
image[24:30] = mac[::-1]
open(path, "wb").write(image)
PY

printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" >"$WORK/mosquitto.conf"
mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
pids+=($!)
sleep 0.5
mosquitto_sub -h 127.0.0.1 -p "$PORT" -t '#' -v >"$WORK/mqtt.log" 2>&1 &
pids+=($!)

# boot: starts QEMU on the flash image; the meter UART is a TCP server the feeder connects to.
UART1=$(free_port)
boot() {
  qemu-system-riscv32 -M esp32c3 -display none -monitor none \
    -drive file="$WORK/flash.bin",if=mtd,format=raw \
    -drive file="$WORK/efuse.bin",if=none,format=raw,id=efuse \
    -global driver=nvram.esp32c3.efuse,property=drive,value=efuse \
    -nic user,model=open_eth \
    -serial file:"$WORK/console.log" \
    -serial tcp:127.0.0.1:"$UART1",server=on,wait=off </dev/null >"$WORK/qemu.log" 2>&1 &
  QEMU=$!
  pids+=($QEMU)
}
# feed: writes the capture to UART1 once a second (a DSMR 5 meter's rate) until killed.
feed() {
  python3 - "$UART1" "$1" >"$WORK/feeder.log" 2>&1 <<'PY' &
import socket, sys, time
port, capture = int(sys.argv[1]), open(sys.argv[2], "rb").read()
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", port)); break
    except OSError:
        time.sleep(0.1)
while True:
    s.sendall(capture)
    time.sleep(1)
PY
  FEED=$!
  pids+=($FEED)
}
wait_for() { # file regex seconds
  for _ in $(seq "$3"); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 1; done; return 1
}

T0=$(date +%s)
boot
feed "$CAPTURE"
wait_for "$WORK/console.log" '^metertap [0-9]+\.[0-9]+\.[0-9]+ \(' "$WAIT_S" || fail "no version line on the console"
VERSION_LINE=$(grep -m1 -E '^metertap [0-9]' "$WORK/console.log")
DEVICE=$(sed -E 's/.*device ([0-9a-z]+).*/\1/' <<<"$VERSION_LINE")
echo "qemu-check: booted in $(( $(date +%s) - T0 ))s: $VERSION_LINE"
[[ "$DEVICE" == "$MAC" ]] || fail "device id '$DEVICE' is not the eFuse MAC $MAC"
wait_for "$WORK/console.log" '^net: 10\.0\.2\.[0-9]+' 60 || fail "no address from QEMU's DHCP"
BASE="metertap/metertap-$DEVICE"
wait_for "$WORK/mqtt.log" "^$BASE/status online$" 60 || fail "no status online under $BASE"
wait_for "$WORK/mqtt.log" "^homeassistant/sensor/metertap-$DEVICE/frames/config " 30 || fail "no Home Assistant discovery"
wait_for "$WORK/mqtt.log" "^$BASE/diag " 30 || fail "no diagnostics"
# A reset after boot (an XS abort, a panic) would show as a second version line.
sleep 5
(( $(grep -c -E '^metertap [0-9]' "$WORK/console.log") == 1 )) || fail "the firmware restarted after boot"

# diag NAME: asks the device for its diagnostics and prints "ok heap bytes" from the reply.
diag() {
  mosquitto_pub -h 127.0.0.1 -p "$PORT" -t "$BASE/cmd/diag" -m "{\"id\":\"$1\"}"
  wait_for "$WORK/mqtt.log" "^$BASE/response .*\"id\":\"$1\"" 30 || fail "no diag reply ($1)"
  grep -m1 "^$BASE/response .*\"id\":\"$1\"" "$WORK/mqtt.log" | cut -d' ' -f2- \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r["ok"], r["heap"], r["bytes"])'
}
read -r OK1 HEAP1 BYTES1 <<<"$(diag boot)"
(( HEAP1 > 0 )) || fail "diag reports no free heap"
echo "qemu-check: figures: free heap after boot and MQTT connect $HEAP1 bytes; UART1 bytes $BYTES1"
wait_for "$WORK/mqtt.log" "^$BASE/state " "$WAIT_S" || fail "no state message under $BASE"
STATE=$(grep -m1 "^$BASE/state " "$WORK/mqtt.log" | cut -d' ' -f2-)
echo "qemu-check: state over MQTT: ${STATE:0:200}"
# The capture's own values (dsmr-ndokter-v5-iskra-mt382: 4.426 + 2.399 kWh imported, 0.244 kW).
python3 - "$STATE" <<'PY' || fail "state values differ from the capture"
import json, sys
s = json.loads(sys.argv[1])
assert s["energy_import"] == 6825, s.get("energy_import")
assert s["power_import"] == 244, s.get("power_import")
PY
# 1,000 telegrams at DEVICE_BURST_HZ (default 5 a second, five times a DSMR 5 meter: at 10 a second a
# loaded machine slowed QEMU enough to lose 8 of them), then the free heap again.
kill "$FEED" 2>/dev/null
python3 - "$UART1" "$CAPTURE" "${DEVICE_BURST_HZ:-5}" >"$WORK/burst.log" 2>&1 <<'PY'
import socket, sys, time
port, capture, hz = int(sys.argv[1]), open(sys.argv[2], "rb").read(), float(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port))
for _ in range(1000):
  s.sendall(capture)
  time.sleep(1 / hz)
time.sleep(3)
PY
read -r OK2 HEAP2 _ <<<"$(diag burst)"
echo "qemu-check: telegrams decoded: $OK1 after boot, $OK2 after 1,000 more; free heap $HEAP1 -> $HEAP2 bytes"
(( OK2 - OK1 >= 990 )) || fail "only $(( OK2 - OK1 )) of 1,000 telegrams decoded"
(( HEAP2 + 4096 >= HEAP1 )) || fail "free heap fell by $(( HEAP1 - HEAP2 )) bytes over 1,000 telegrams"
echo "qemu-check: PASSED: booted with the eFuse MAC as id, got an address, published status, discovery and diagnostics, decoded the DSMR capture from UART1 into state over MQTT, $(( OK2 - OK1 )) of 1,000 more telegrams, free heap $HEAP1 -> $HEAP2 bytes"
