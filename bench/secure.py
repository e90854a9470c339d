"""
Sealing and opening a kiosk frame: lib12333 (pure-Python AES-CCM) next to `cryptography` (OpenSSL).

    python bench/secure.py [--n 300] [--mp] [--mpy] [--markdown]

CPython part: one process, the same loss-report frame (58 bytes) and a full
single-SMS frame (133 bytes) sealed and opened with lib12333's pure backend and
with cryptography's AESCCM (header + payload in, same bytes out), both warm, 9 paired
interleaved rounds (bench/paired.py), CPU time: median microseconds per call and the
same-round ratio with its range.

``--mp`` also runs the pure backend on real MicroPython (the WebAssembly port
that tests/mp uses, on Node): milliseconds per seal/open over N calls
(time.ticks_us), and the heap allocated by one seal and one open
(gc.mem_alloc() before and after, no collection in between, so it is every
byte the call allocates, garbage included), plus the heap retained by importing
lib12333.secure.frame.  ``--mpy`` runs the mpy-cross-compiled core instead.
"""

import argparse
import os
import subprocess
import sys
import tempfile

ROOT = __file__.rsplit("/bench/", 1)[0]
sys.path.insert(0, ROOT)

from bench.paired import format_ratio, median, paired, ratio  # noqa: E402
from lib12333.secure import frame as F  # noqa: E402
from lib12333.secure import messages as M  # noqa: E402
from lib12333.secure.aes import AES128  # noqa: E402

KEY = bytes(range(16))
SMALL = {"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "张三丰"}
FULL = {"ssn": "11010519491231002X", "card": "X00000019", "phone": "13900000000", "name": "阿" * 28}

MP_SCRIPT = r"""
import gc, time
gc.collect()
m0 = gc.mem_alloc()
from lib12333.secure import frame as F
from lib12333.secure import messages as M
from lib12333.secure.aes import AES128
gc.collect()
print("IMPORT", gc.mem_alloc() - m0)
N = %(n)d
key = bytes(range(16))
c = AES128(key, backend="pure")
for label, fields in %(cases)r:
    p = M.encode(M.LOSS_REPORT, fields)
    fr = F.Frame(M.LOSS_REPORT, 42, 7, 1796083200, p)
    raw = F.seal(c, fr)
    gc.collect()
    a = gc.mem_alloc(); F.seal(c, fr); seal_alloc = gc.mem_alloc() - a
    gc.collect()
    a = gc.mem_alloc(); F.open(c, raw); open_alloc = gc.mem_alloc() - a
    t = time.ticks_us()
    for i in range(N):
        F.seal(c, fr)
    ts = time.ticks_diff(time.ticks_us(), t) / N
    t = time.ticks_us()
    for i in range(N):
        F.open(c, raw)
    to = time.ticks_diff(time.ticks_us(), t) / N
    t = time.ticks_us()
    for i in range(N):
        c.encrypt_block(raw[:16])
    tb = time.ticks_diff(time.ticks_us(), t) / N
    print("ROW", label, len(raw), ts, to, seal_alloc, open_alloc, tb)
"""


def _frame(fields):
    return F.Frame(M.LOSS_REPORT, 42, 7, 1796083200, M.encode(M.LOSS_REPORT, fields))


def _measure(label, fr, raw, header, nonce, pure, ref, n):
    """Seal and open, ours and OpenSSL's, warm, in paired interleaved rounds (bench/paired.py)."""
    runs = [None] * n
    seal = paired([("ours", lambda _v: F.seal(pure, fr)),
                   ("ref", lambda _v: header + ref.encrypt(nonce, fr.payload, header))], runs, rounds=9)
    opened = paired([("ours", lambda _v: F.open(pure, raw)),
                     ("ref", lambda _v: ref.decrypt(nonce, raw[F.HEADER_LEN :], header))], runs, rounds=9)
    return [
        (label, len(raw), "lib12333 (pure)", median(seal["ours"]) * 1e6, median(opened["ours"]) * 1e6,
         ratio(seal, "ours", "ref"), ratio(opened, "ours", "ref")),
        (label, len(raw), "cryptography AESCCM", median(seal["ref"]) * 1e6, median(opened["ref"]) * 1e6, None, None),
    ]


def cpython_rows(n):
    from cryptography.hazmat.primitives.ciphers.aead import AESCCM

    rows = []
    pure = AES128(KEY, backend="pure")
    ref = AESCCM(KEY, tag_length=8)
    for label, fields in (("loss report", SMALL), ("full SMS", FULL)):
        fr = _frame(fields)
        raw = F.seal(pure, fr)
        header = raw[: F.HEADER_LEN]
        nonce = F.nonce(fr)
        assert header + ref.encrypt(nonce, fr.payload, header) == raw

        rows.extend(_measure(label, fr, raw, header, nonce, pure, ref, n))
    return rows


def micropython_rows(n, use_mpy):
    sys.path.insert(0, os.path.join(ROOT, "tests", "mp"))
    import run as mprun

    with tempfile.TemporaryDirectory() as tmp:
        mprun.stage(tmp)
        if use_mpy:
            mprun.compile_to_mpy(tmp)
        script = os.path.join(tmp, "bench_secure.py")
        with open(script, "w") as f:
            f.write(MP_SCRIPT % {"n": n, "cases": [("loss report", SMALL), ("full SMS", FULL)]})
        out = subprocess.run(["node", os.path.join(ROOT, "tests", "mp", "run_script.mjs"), tmp, script], cwd=ROOT,
                             capture_output=True, text=True, timeout=900)
    if out.returncode:
        raise SystemExit(out.stdout + out.stderr)
    return out.stdout


def _mp_rows(out, runtime):
    """(runtime, frame, seal, open, allocated) rows from the MicroPython script's output."""
    rows, imported = [], None
    for line in out.splitlines():
        if line.startswith("IMPORT"):
            imported = int(line.split()[1])
        elif line.startswith("ROW"):
            p = line.split()
            rows.append((runtime, "%s %s, %s B" % (p[1], p[2], p[3]), "%.2f ms" % (float(p[4]) / 1000),
                         "%.2f ms" % (float(p[5]) / 1000), "–", "%s B / %s B" % (p[6], p[7]),
                         "%.0f µs" % float(p[8])))
    return rows, imported


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--n", type=int, default=300, help="calls per measurement (default: 300)")
    parser.add_argument("--mp", action="store_true", help="also measure on MicroPython (wasm port on Node)")
    parser.add_argument("--mpy", action="store_true", help="with --mp: use the mpy-cross-compiled core")
    parser.add_argument("--markdown", action="store_true",
                        help="print the table of docs/benchmarks.md (with --mp: both .py and .mpy)")
    args = parser.parse_args()
    cp = cpython_rows(args.n)
    if args.markdown:
        print("| runtime | frame | seal | open | time / OpenSSL's, seal; open: median (range) "
              "| allocated per seal / open | one AES block |")
        print("|---|---|---:|---:|---:|---:|---:|")
        version = "CPython %s" % sys.version.split()[0]
        for label, size, lib, s, o, rs, ro in cp:
            vs = "–" if rs is None else "%s; %s" % (format_ratio(rs), format_ratio(ro))
            print("| %s, %s | %s, %d B | %.1f µs | %.1f µs | %s | – | – |" % (version, lib, label, size, s, o, vs))
        imports = []
        for use_mpy in ((False, True) if args.mp else ()):
            rows, imported = _mp_rows(micropython_rows(max(20, args.n // 10), use_mpy),
                                      "MicroPython wasm, `%s`" % (".mpy" if use_mpy else ".py"))
            imports.append("%s B as `%s`" % (format(imported or 0, ","), ".mpy" if use_mpy else ".py"))
            for row in rows:
                print("| " + " | ".join(row) + " |")
        if imports:
            print("\nImporting `lib12333.secure.frame` (with messages, ccm, aes, errors) retained " + " and ".join(imports)
                  + " of heap.")
        return
    print("CPython %s" % sys.version.split()[0])
    print("%-12s %5s  %-22s %12s %12s  %s" % ("frame", "bytes", "library", "seal µs", "open µs", "ours / OpenSSL"))
    for label, size, lib, s, o, rs, ro in cp:
        extra = "" if rs is None else "%s / %s" % (format_ratio(rs), format_ratio(ro))
        print("%-12s %5d  %-22s %12.1f %12.1f  %s" % (label, size, lib, s, o, extra))
    if args.mp:
        rows, imported = _mp_rows(micropython_rows(max(20, args.n // 10), args.mpy),
                                  "MicroPython (wasm port%s), pure AES backend" % (", .mpy" if args.mpy else ""))
        print("\nimport lib12333.secure.frame + messages + aes: %s bytes retained" % imported)
        for row in rows:
            print("  ".join(row))


if __name__ == "__main__":
    main()
