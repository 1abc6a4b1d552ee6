#!/usr/bin/env bash
# Compiles the ESP32 modules through mcconfig (tsc + xsc), builds metertap for the Moddable
# desktop simulator (lin) and runs it headless under Xvfb, with a pty replaying a meter capture
# and a private Mosquitto on loopback. Checks: a state message arrives over MQTT; the local page
# saves settings without showing secrets back; signed images install by upload and by the MQTT
# `ota` command, tampered and unsigned ones do not.
#
#   MODDABLE=/path/to/moddable scripts/sim-check.sh [CAPTURE]
#
# Skips (exit 0, says so) where the Moddable SDK is not installed: this script never builds the
# SDK. Needs mosquitto, mosquitto-clients, xvfb-run, curl, python3, git, and `npm install` in
# $MODDABLE/tools/xsbug-log.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [[ -z "${MODDABLE:-}" || ! -x "$MODDABLE/build/bin/lin/release/mcconfig" ]]; then
  echo "sim-check: SKIPPED: no Moddable SDK (set MODDABLE to a built SDK checkout)"
  exit 0
fi
if [[ ! -x "$MODDABLE/build/bin/lin/release/mcsim" ]]; then
  echo "sim-check: SKIPPED: the SDK has no mcsim (built in \$MODDABLE/build/makefiles/lin, needs libgtk-3-dev)"
  exit 0
fi
for tool in mosquitto mosquitto_sub mosquitto_pub xvfb-run curl python3 git; do
  command -v "$tool" >/dev/null || { echo "sim-check: FAILED: $tool is not installed"; exit 1; }
done
export PATH="$MODDABLE/build/bin/lin/release:$ROOT/node_modules/.bin:$PATH"

CAPTURE=${1:-"$ROOT/../shared/corpus/dsmr-ndokter-v5-iskra-mt382.txt"}
WORK=$(mktemp -d /tmp/metertap-sim.XXXXXX)
PORT=${SIM_MQTT_PORT:-18831}
HTTP=${SIM_HTTP_PORT:-18080}
FILES=${SIM_FILES_PORT:-18081}
PTY="$WORK/p1"
RUN_S=${SIM_RUN_S:-40}
pids=()
groups=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${groups[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  forget_prefs
}
trap cleanup EXIT
# The simulator keeps preferences in /tmp/modpreferences.json: start and end without this check's domain.
forget_prefs() {
  python3 - <<'PY' || true
import json
path = "/tmp/modpreferences.json"
try:
    prefs = json.load(open(path))
except (OSError, ValueError):
    raise SystemExit
if prefs.pop("metertap-check", None) is not None:
    json.dump(prefs, open(path, "w"))
PY
}

forget_prefs

# ESP32: without ESP-IDF only the JavaScript half can build. mcconfig writes the makefile, and its
# module targets run the SDK's own tsc (with the SDK's typings, newer than @moddable/typings) and
# xsc on every module. A placeholder IDF_PATH satisfies the makefile's version probe; no C is built.
echo "sim-check: compiling the esp32 modules (tsc + xsc through mcconfig's makefile)"
# (In this check's own directory: the SDK's build/tmp keeps one per project name, and another
# checkout's stale makefile there named files that no longer existed.)
mkdir -p "$WORK/esp32" && mcconfig -d -p esp32 -t build -o "$WORK/esp32" >"$WORK/esp32-config.log" 2>&1 || { tail -20 "$WORK/esp32-config.log"; echo "sim-check: FAILED: mcconfig -p esp32"; exit 1; }
ESP_TMP="$WORK/esp32/tmp/esp32/debug/$(basename "$ROOT")"
git init -q "$WORK/idf" && git -C "$WORK/idf" -c user.email=check@localhost -c user.name=check commit -q --allow-empty -m placeholder
xsb_targets=$(grep -o '^\$(MODULES_DIR)/[^:]*\.xsb' "$ESP_TMP/makefile" | sed "s|\$(MODULES_DIR)|$ESP_TMP/modules|")
# shellcheck disable=SC2086
IDF_PATH="$WORK/idf" make -C "$ESP_TMP" -f makefile $xsb_targets >"$WORK/esp32-modules.log" 2>&1 \
  || { grep -E "error|failure" "$WORK/esp32-modules.log" | head -20; echo "sim-check: FAILED: esp32 modules"; exit 1; }
echo "sim-check: esp32 modules compiled ($(grep -c '^# xsc' "$WORK/esp32-modules.log") xsc steps)"

# An OTA key pair and signed images for the page's upload (sign-image is the project's CLI).
[[ -f dist/hosts/node/cli.js && -f dist/web/index.html.gz ]] || npm run build --silent >"$WORK/npm-build.log" 2>&1
node -e 'const c = require("node:crypto"); const { privateKey } = c.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  require("node:fs").writeFileSync(process.argv[1], privateKey.export({ type: "sec1", format: "pem" }))' "$WORK/ota.pem"
OTA_KEY=$(node dist/hosts/node/cli.js sign-image --key "$WORK/ota.pem" --public-key --format hex)
head -c 70000 /dev/urandom >"$WORK/app.bin"
node dist/hosts/node/cli.js sign-image --key "$WORK/ota.pem" --target moddable-sim --version 9.9.9 "$WORK/app.bin" "$WORK/app.signed" >/dev/null
head -c 50000 /dev/urandom >"$WORK/app2.bin"
node dist/hosts/node/cli.js sign-image --key "$WORK/ota.pem" --target moddable-sim --version 9.9.10 "$WORK/app2.bin" "$WORK/app2.signed" >/dev/null
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[5000] ^= 1; open(sys.argv[2], "wb").write(b)' "$WORK/app.signed" "$WORK/app.tampered"

echo "sim-check: building (mcconfig -d -m -p lin)"
mcconfig -d -m -p lin -t build "otaKey=$OTA_KEY" "otaFile=$WORK/ota.bin" "serial=$PTY" "mqtt=mqtt://127.0.0.1:$PORT" "deviceId=metertap-sim" "httpPort=$HTTP" "flashFile=$WORK/history.flash" "prefDomain=metertap-check" >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log"; echo "sim-check: FAILED: build"; exit 1; }
# mcconfig names the output after the project's directory; a library built earlier elsewhere (an
# older checkout) must not be the one that runs.
MCSO="$MODDABLE/build/bin/lin/mc/debug/$(basename "$ROOT")/mc.so"
[[ "$MCSO" -nt "$WORK/ota.pem" ]] || { echo "sim-check: FAILED: the build left no fresh $MCSO"; exit 1; }

printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$PORT" >"$WORK/mosquitto.conf"
mosquitto -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
pids+=($!)

# A pty whose slave end the simulator opens as its serial device; the capture is written once a second.
# It appears once the simulator has found it missing, as a meter plugged in after boot: the
# simulator must wait for it (it used to abort on a path that did not exist).
python3 - "$PTY" "$CAPTURE" "$RUN_S" "$WORK/sim.log" >"$WORK/feeder.log" 2>&1 <<'PY' &
import os, pty, sys, time, tty
link, capture, seconds, log = sys.argv[1], open(sys.argv[2], "rb").read(), int(sys.argv[3]), sys.argv[4]
until = time.time() + 20
while time.time() < until:
    try:
        if "source: cannot open" in open(log, errors="replace").read():
            break
    except OSError:
        pass
    time.sleep(0.2)
master, slave = pty.openpty()
tty.setraw(slave)
os.symlink(os.ttyname(slave), link)
end = time.time() + seconds
while time.time() < end:
    os.write(master, capture)
    time.sleep(1)
PY
pids+=($!)

sleep 1
mosquitto_sub -h 127.0.0.1 -p "$PORT" -t 'metertap/#' -v -W "$RUN_S" >"$WORK/mqtt.log" 2>&1 &
SUB=$!
pids+=($SUB)

if ss -ltn 2>/dev/null | grep -q ':5002 '; then
  echo "sim-check: FAILED: port 5002 (xsbug) is busy: another simulator or xsbug is running"
  exit 1
fi
# Its own process group, so mcsim, Xvfb and xsbug-log all end with the check.
(cd "$WORK" && exec setsid timeout "$RUN_S" xvfb-run -a node "$MODDABLE/tools/xsbug-log/xsbug-log.js" mcsim "$MCSO" </dev/null >"$WORK/sim.log" 2>&1) &
groups+=($!)

ok=0
for _ in $(seq "$RUN_S"); do
  sleep 1
  if grep -q '^metertap/metertap-sim/state ' "$WORK/mqtt.log" 2>/dev/null; then ok=1; break; fi
done
page=ok
grep -q "source: cannot open $PTY .*trying again" "$WORK/sim.log" || page=no-wait-for-the-meter
curl -s -m 5 --compressed "http://127.0.0.1:$HTTP/" >"$WORK/page.html" || true
grep -q '<h1>metertap</h1>' "$WORK/page.html" || page=missing
curl -s -m 5 --compressed "http://127.0.0.1:$HTTP/uplot.js" -o "$WORK/uplot.js" || true
grep -q 'uPlot' "$WORK/uplot.js" || page=uplot-missing
# A client that goes away mid-response, as a browser may, costs that connection only (it used to
# end the simulator with SIGPIPE): the requests below must still be answered.
curl -s -m 5 "http://127.0.0.1:$HTTP/uplot.js" | head -c 100 >/dev/null || true
# The HomeWizard API and the live stream come from the same core routes as on Node.
curl -s -m 5 "http://127.0.0.1:$HTTP/api" | grep -q '"product_type":"HWE-P1"' || page=api-missing
curl -s -m 5 "http://127.0.0.1:$HTTP/api/v1/data" | grep -q '"total_power_import_t1_kwh":' || page=api-data-missing
curl -s -N -m 4 "http://127.0.0.1:$HTTP/events" >"$WORK/events.txt" || true
[[ $(grep -c '^data: {"reading":{' "$WORK/events.txt") -ge 2 ]] || page=events-missing
# Settings: the form's token is required; a bad key is refused whole; a secret is stored, never shown back.
CSRF=$(curl -s -m 5 "http://127.0.0.1:$HTTP/settings" | sed -n 's/.*"csrf":"\([0-9a-f]*\)".*/\1/p' || true)
curl -s -m 5 -d 'tz=Europe/Amsterdam' "http://127.0.0.1:$HTTP/settings" | grep -q 'reload the page' || page=token-not-required
curl -s -m 5 -d "csrf=$CSRF&tz=Europe/Amsterdam&key_enc=zz" "http://127.0.0.1:$HTTP/settings" | grep -q 'Not saved: key_enc: must be 32 hex digits' || page=refusal-missing
curl -s -m 5 -d "csrf=$CSRF&tz=Europe/Amsterdam&mqtt_pw=sim-check-secret" "http://127.0.0.1:$HTTP/settings" | grep -q 'Saved mqtt_pw, tz' || page=save-failed
curl -s -m 5 "http://127.0.0.1:$HTTP/settings" >"$WORK/settings.json" || true
grep -q 'sim-check-secret' "$WORK/settings.json" && page=secret-shown
grep -q '"key":"tz"[^}]*"value":"Europe/Amsterdam"' "$WORK/settings.json" || page=tz-not-saved
# Firmware upload: verified on the simulator's XS with the native PSA hash and signature check.
upload() { curl -s -m 20 --data-binary "@$1" -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$HTTP/update"; }
[[ "$(upload "$WORK/app.tampered")" == "rejected (signature): signature does not verify" ]] || page=tampered-image-accepted
[[ "$(upload "$WORK/app.bin")" == rejected\ \(unsigned\)* ]] || page=unsigned-image-accepted
[[ ! -e "$WORK/ota.bin" ]] || page=slot-written-by-a-bad-image
[[ "$(upload "$WORK/app.signed")" == "installed 9.9.9" ]] || page=signed-image-refused
cmp -s "$WORK/app.bin" "$WORK/ota.bin" || page=slot-content-wrong
# The MQTT `ota` command: the simulator downloads the image over HTTP from a local server.
python3 -m http.server --bind 127.0.0.1 --directory "$WORK" "$FILES" >"$WORK/http.log" 2>&1 &
pids+=($!)
sleep 1
mosquitto_pub -h 127.0.0.1 -p "$PORT" -t metertap/metertap-sim/cmd/ota -m "{\"url\":\"http://127.0.0.1:$FILES/app2.signed\"}"
for _ in $(seq 20); do cmp -s "$WORK/app2.bin" "$WORK/ota.bin" && break; sleep 0.5; done
cmp -s "$WORK/app2.bin" "$WORK/ota.bin" || page=mqtt-ota-not-installed
grep -q '"cmd":"ota","ok":true' "$WORK/mqtt.log" || page=mqtt-ota-no-reply
echo "--- simulator log"; head -40 "$WORK/sim.log" || true
echo "--- mqtt"; head -20 "$WORK/mqtt.log" | cut -c1-300 || true
echo "--- local page and OTA (upload, MQTT command): $page"
if [[ $ok == 1 && $page == ok ]] && grep -q '^metertap/metertap-sim/status online' "$WORK/mqtt.log"; then
  echo "sim-check: PASSED: the simulator decoded the capture from a pty, published over MQTT, served its page and installed only verified images (upload and MQTT command)"
  cleanup
  trap - EXIT
  rm -rf "$WORK"
  exit 0
fi
echo "sim-check: FAILED: state message: $ok, local page: $page (within ${RUN_S}s; logs in $WORK)"
exit 1
