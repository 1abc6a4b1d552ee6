#!/usr/bin/env python3
"""The meter on QEMU's UART1 for scripts/device/qemu-check.sh: connects to the TCP server QEMU
opens for the C3's second UART and sends frames at a steady rate.

  meter-feed.py PORT capture FILE HZ [COUNT]   the bytes of FILE, again and again (COUNT times)
  meter-feed.py PORT clock FILE START HZ COUNT [STEP]
                                               the DSMR telegram in FILE with its clock moved on
                                               10 s a telegram (telegram START onwards, as a DSMR 4
                                               meter sends; from START on STEP s, 1 for a DSMR 5
                                               meter), 1-0:1.8.1 one Wh higher each, and its
                                               power, voltage and current lines changing, as a live
                                               meter's do; CRC made anew: a quarter-hour closes
                                               every 90 telegrams
Without COUNT it runs until killed.
"""
import re
import socket
import sys
import time
from datetime import datetime, timedelta


def crc16_arc(data: bytes) -> int:
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


# Lines a live meter changes from one telegram to the next, each kept to its own width (the
# decoder holds a telegram whose padded widths change): code -> value of telegram n.
LIVE = {
    "1-0:1.7.0": lambda n: f"{0.2 + n % 50 / 1000:06.3f}*kW",
    "1-0:21.7.0": lambda n: f"{0.05 + n % 40 / 1000:06.3f}*kW",
    "1-0:41.7.0": lambda n: f"{0.03 + n % 30 / 1000:06.3f}*kW",
    "1-0:61.7.0": lambda n: f"{0.12 + n % 60 / 1000:06.3f}*kW",
    "1-0:32.7.0": lambda n: f"{229 + n % 20 / 10:06.1f}*V",
    "1-0:52.7.0": lambda n: f"{229.5 + n % 15 / 10:06.1f}*V",
    "1-0:72.7.0": lambda n: f"{228.5 + n % 25 / 10:06.1f}*V",
    "1-0:31.7.0": lambda n: f"{0.40 + n % 9 / 100:.2f}*A",
    "1-0:51.7.0": lambda n: f"{0.40 + n % 7 / 100:.2f}*A",
    "1-0:71.7.0": lambda n: f"{0.80 + n % 11 / 100:.2f}*A",
}


def clocked(text: str, n: int, seconds: int) -> bytes:
    """Telegram n of the clock feed: the capture's timestamp + `seconds`, import + n + 1 Wh, and
    the LIVE lines of telegram n."""
    stamp = re.search(r"0-0:1\.0\.0\((\d{12})([SW])\)", text)
    at = datetime.strptime(stamp.group(1), "%y%m%d%H%M%S") + timedelta(seconds=seconds)
    body = text[: text.index("!") + 1]
    body = body.replace(stamp.group(0), f"0-0:1.0.0({at:%y%m%d%H%M%S}{stamp.group(2)})")
    kwh = float(re.search(r"1-0:1\.8\.1\((\d+\.\d+)\*kWh\)", body).group(1)) + (n + 1) / 1000
    body = re.sub(r"1-0:1\.8\.1\(\d+\.\d+\*kWh\)", f"1-0:1.8.1({kwh:010.3f}*kWh)", body)
    for code, value in LIVE.items():
        body = re.sub(rf"^{re.escape(code)}\([^)]*\)", f"{code}({value(n)})", body, flags=re.M)
    data = body.encode()
    return data + b"%04X\r\n" % crc16_arc(data)


def main() -> None:
    port, mode, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    raw = open(path, "rb").read()
    if mode == "capture":
        hz, count = float(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else None
        frame = lambda i: raw
    else:
        start, hz, count = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
        step = int(sys.argv[7]) if len(sys.argv) > 7 else 10
        frame = lambda i: clocked(raw.decode(), start + i, 10 * (start + 1) + step * i)
    for _ in range(200):
        try:
            s = socket.create_connection(("127.0.0.1", port))
            break
        except OSError:
            time.sleep(0.1)
    i = 0
    while count is None or i < count:
        s.sendall(frame(i))
        i += 1
        time.sleep(1 / hz)
    time.sleep(3)


if __name__ == "__main__":
    main()
