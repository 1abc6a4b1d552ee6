#!/usr/bin/env bash
# Builds metertap for the ESP32-C3 with the Moddable SDK and ESP-IDF and links it: the QEMU
# variant (OpenCores Ethernet, METERTAP_NET=openeth) fully, the Wi-Fi variant as far as the C
# compiles (with the device kit it cannot link: no Wi-Fi/PHY blobs). Checks the image against its
# app slot (>= 10 % spare) and the PSA C's flags against ESP-IDF's, then boots the QEMU image
# (scripts/device/qemu-check.sh).
#
#   . /opt/esp/env.sh; scripts/device-check.sh            (or: npm run device-check)
#
# SKIPPED (exit 0) where MODDABLE or IDF_PATH is not set, like scripts/sim-check.sh.
# DEVICE_WORK=/dir keeps the build there (default: a new temporary directory).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
T0=$(date +%s)

if [[ -z "${MODDABLE:-}" || -z "${IDF_PATH:-}" || ! -x "$MODDABLE/build/bin/lin/release/mcconfig" || ! -d "$IDF_PATH/components" ]]; then
  echo "device-check: SKIPPED: no Moddable SDK + ESP-IDF (source the device kit's env.sh: . /opt/esp/env.sh)"
  exit 0
fi
# mcconfig runs tsc once per module; the transpiler in scripts/device/bin stands in for it (types
# are checked by test/device-build.test.ts), then node_modules/.bin for esbuild.
export PATH="$ROOT/scripts/device/bin:$ROOT/node_modules/.bin:$MODDABLE/build/bin/lin/release:$PATH"
WORK=${DEVICE_WORK:-$(mktemp -d /tmp/metertap-device.XXXXXX)}
mkdir -p "$WORK"
APP=$(basename "$ROOT")
fail() { echo "device-check: FAILED: $* (logs in $WORK)"; exit 1; }

# build VARIANT: configures (release, so the image is what ships) and runs the makefile's build.
build() {
  local variant=$1 out="$WORK/$1"
  mkdir -p "$out"
  METERTAP_NET=$variant mcconfig -p esp32/esp32c3 -o "$out" "${@:2}" >"$out/mcconfig.log" 2>&1 \
    || { tail -20 "$out/mcconfig.log"; return 1; }
  (cd "$out/tmp/esp32/esp32c3/release/$APP" && make -f makefile "${BUILD_TARGET:-build}" IDF_VERSION=v6.0) >"$out/build.log" 2>&1
}
BLD="$WORK/openeth/tmp/esp32/esp32c3/release/$APP/xsProj-esp32c3/build"

# The check's own OTA signing key (qemu-check signs the update images with it); the public half
# goes into the build as otaKey.
[[ -f "$WORK/ota-key.pem" ]] || openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/ota-key.pem" 2>/dev/null || fail "openssl ecparam"
OTA_KEY=$(node "$ROOT/dist/hosts/node/cli.js" sign-image --key "$WORK/ota-key.pem" --public-key --format hex) || fail "no OTA public key (npm run build first)"

echo "device-check: 1/3 build esp32/esp32c3, QEMU variant (openeth)"
# In QEMU the host is 10.0.2.2: the broker, the SNTP server and the update server all run there.
# A new image has 90 s (not 5 minutes) to prove itself, so the rollback check stays short.
build openeth "mqtt=mqtt://10.0.2.2:${DEVICE_MQTT_PORT:-18841}" sntp=10.0.2.2 otaKey="$OTA_KEY" healthDeadlineS=90 || { grep -E "error|undefined reference" "$WORK/openeth/build.log" | head -30; fail "QEMU build"; }
# The QEMU image must not carry the Wi-Fi modules (the SDK's ECMA-419 io and net manifests pull
# them in through examples/manifest_net.json).
if sed -n '/^MANIFEST = /,/^$/p' "$WORK/openeth/tmp/esp32/esp32c3/release/$APP/makefile" | grep -E 'manifest_net|/wifi/'; then
  fail "the QEMU variant includes Wi-Fi manifests"
fi
# (The makefile ignores a failed ESP-IDF build: an image older than the app archive is a failure.)
[[ "$BLD/xs_esp32.bin" -nt "$BLD/xs_esp32c3.a" ]] || { grep -E "error|undefined reference" "$WORK/openeth/build.log" | head -20; fail "no fresh xs_esp32.bin: the link failed"; }

# manifest.json sets C_FLAGS (the only build variable mcconfig writes with its spaces intact) to
# the SDK's own definition plus ESP-IDF include dirs and defines: fail if the SDK's changes.
grep -A3 '^C_FLAGS ?=' "$MODDABLE/tools/mcconfig/make.esp32.mk" | tr -d '\\\n\t ' \
  | grep -q '^C_FLAGS?=$(C_COMMON_FLAGS)-Wno-implicit-function-declaration-std=gnu17$(C_FLAGS_SUBPLATFORM)' \
  || fail "the SDK's C_FLAGS in make.esp32.mk changed: update manifest.json build.C_FLAGS"
# metertap's PSA C (modules/crypto, hosts/moddable/ota-psa.c) must see the configuration ESP-IDF
# compiles TF-PSA-Crypto with, or its operation structs differ in size from the library's.
python3 - "$BLD/compile_commands.json" "$WORK/openeth/tmp/esp32/esp32c3/release/$APP/makefile" <<'PY' || fail "PSA configuration differs from ESP-IDF's"
import json, os, re, shlex, sys
idf = next(e["command"] for e in json.load(open(sys.argv[1])) if e["file"].endswith("tf-psa-crypto/core/psa_crypto.c"))
ours = re.search(r"^C_FLAGS = (.*)$", open(sys.argv[2]).read(), re.M).group(1).replace("$(IDF_PATH)", os.environ["IDF_PATH"])
norm = lambda flags: {f.replace('\\"', '"') for f in shlex.split(flags)}
idf_flags, our_flags = norm(idf), norm(ours)
want = {f for f in idf_flags if re.match(r"-D(MBEDTLS_|TF_PSA_|ESP_PSA_)", f)}
want |= {f for f in idf_flags if f.startswith("-I") and re.search(r"mbedtls/(port/include|port/psa_driver/include|mbedtls/tf-psa-crypto/(include|drivers/[a-z0-9-]+(/include)?))$", f)}
missing = sorted(want - our_flags)
if missing:
    sys.exit("manifest.json build.C_FLAGS lacks: " + " ".join(missing))
print(f"device-check: PSA C compiled with ESP-IDF's {len(want)} TF-PSA-Crypto flags")
PY

# Image size against its slot (partitions.csv ota_0), with 10 % to spare.
SLOT=$(( $(awk -F, '$1 ~ /^ota_0/ { gsub(/ /, "", $5); print $5 }' partitions.csv) ))
SIZE=$(stat -c %s "$BLD/xs_esp32.bin")
SPARE=$(( (SLOT - SIZE) * 100 / SLOT ))
echo "device-check: image $SIZE bytes, app slot $SLOT bytes, $SPARE % spare"
(( SIZE * 10 <= SLOT * 9 )) || fail "the image leaves less than 10 % of its app slot"

echo "device-check: 2/3 compile esp32/esp32c3, Wi-Fi variant (board network; linking needs Espressif's Wi-Fi blobs)"
# The makefile's precursor target compiles every module's C and JS into the app archive
# (xs_esp32c3.a) without the ESP-IDF link, which the kit cannot complete for Wi-Fi.
BUILD_TARGET=precursor build wifi || { grep -E "error" "$WORK/wifi/build.log" | head -20; fail "the Wi-Fi variant does not compile"; }
WIFI_A="$WORK/wifi/bin/esp32/esp32c3/release/$APP/xs_esp32c3.a"
WIFI_REFS=$(riscv32-esp-elf-nm -u "$WIFI_A" 2>/dev/null | grep -c ' U esp_wifi_' || true)
(( WIFI_REFS > 0 )) || fail "the Wi-Fi archive does not call esp_wifi_*: the Wi-Fi modules are not in it"
echo "device-check: Wi-Fi variant compiled ($WIFI_REFS esp_wifi_* references for the blobs to resolve)"

echo "device-check: 3/3 boot in QEMU"
OTA_KEY_PEM="$WORK/ota-key.pem" "$ROOT/scripts/device/qemu-check.sh" "$BLD" "$WORK" || fail "QEMU"
echo "device-check: PASSED in $(( $(date +%s) - T0 ))s: image $SIZE of $SLOT bytes ($SPARE % spare)"
