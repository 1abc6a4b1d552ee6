#!/usr/bin/env python3
"""The meter on QEMU's UART1 for scripts/device/qemu-check.sh: connects to the TCP server QEMU
opens for the C3's second UART and sends frames at a steady rate.

  meter-feed.py PORT capture FILE HZ [COUNT]   the bytes of FILE, again and again (COUNT times)
  meter-feed.py PORT clock FILE START HZ COUNT the DSMR telegram in FILE with its clock moved on
                                               10 s a telegram (telegram START onwards, as a DSMR 4
                                               meter sends) and 1-0:1.8.1 one Wh higher each, CRC
                                               made anew: a quarter-hour closes every 90 telegrams
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


def clocked(text: str, n: int) -> bytes:
    """Telegram n of the clock feed: the capture's timestamp + 10 (n + 1) s, import + n + 1 Wh."""
    stamp = re.search(r"0-0:1\.0\.0\((\d{12})([SW])\)", text)
    at = datetime.strptime(stamp.group(1), "%y%m%d%H%M%S") + timedelta(seconds=10 * (n + 1))
    body = text[: text.index("!") + 1]
    body = body.replace(stamp.group(0), f"0-0:1.0.0({at:%y%m%d%H%M%S}{stamp.group(2)})")
    kwh = float(re.search(r"1-0:1\.8\.1\((\d+\.\d+)\*kWh\)", body).group(1)) + (n + 1) / 1000
    body = re.sub(r"1-0:1\.8\.1\(\d+\.\d+\*kWh\)", f"1-0:1.8.1({kwh:010.3f}*kWh)", body)
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
        frame = lambda i: clocked(raw.decode(), start + i)
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
