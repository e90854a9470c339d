"""
Generate ``lib12333/data/gbk.bin``: the GBK double-byte table the core reads from flash.

MicroPython has no GBK codec, and a dict of 21,000 characters would not fit in a
kiosk's heap, so ``lib12333.card.gbk`` looks characters up in this file with one
``seek`` and one 2-byte ``read`` each.  The table comes from CPython's own ``gbk``
codec, so the core decodes exactly what ``bytes.decode("gbk")`` decodes.

Layout (all integers big-endian):

    offset 0   4 bytes  magic b"GBK1"
    offset 4   1 byte   first lead byte  (0x81)
    offset 5   1 byte   last lead byte   (0xFE)
    offset 6   1 byte   first trail byte (0x40)
    offset 7   1 byte   last trail byte  (0xFE)
    offset 8   cells    one 2-byte UCS-2 code point per (lead, trail) pair, row by
                        row; 0x0000 means "not a GBK character" (trail 0x7F is
                        always 0x0000)

Cell address: 8 + ((lead - 0x81) * 191 + (trail - 0x40)) * 2.  Every GBK
character is in the Basic Multilingual Plane (the highest is U+FFE5), so two
bytes per cell are enough.

Run:  python tools/gen_gbk.py            (writes lib12333/data/gbk.bin)
      python tools/gen_gbk.py --check    (exit 1 if the file is missing or stale)
"""

import os
import sys

LEAD_FIRST, LEAD_LAST = 0x81, 0xFE
TRAIL_FIRST, TRAIL_LAST = 0x40, 0xFE
MAGIC = b"GBK1"


def build():
    out = bytearray(MAGIC + bytes((LEAD_FIRST, LEAD_LAST, TRAIL_FIRST, TRAIL_LAST)))
    for lead in range(LEAD_FIRST, LEAD_LAST + 1):
        for trail in range(TRAIL_FIRST, TRAIL_LAST + 1):
            code = 0
            try:
                text = bytes((lead, trail)).decode("gbk")
            except UnicodeDecodeError:
                text = ""
            if len(text) == 1:
                code = ord(text)
                if code > 0xFFFF or code == 0:
                    raise SystemExit("GBK %02X%02X maps outside the BMP" % (lead, trail))
            out += bytes((code >> 8, code & 0xFF))
    return bytes(out)


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "lib12333", "data", "gbk.bin")
    data = build()
    if "--check" in argv:
        try:
            with open(path, "rb") as f:
                same = f.read() == data
        except OSError:
            same = False
        print(("up to date: " if same else "STALE: ") + path)
        return 0 if same else 1
    with open(path, "wb") as f:
        f.write(data)
    print("wrote %s (%d bytes)" % (path, len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
