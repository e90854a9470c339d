"""
Identifier validation and category lookup speed: lib12333 next to python-stdnum.

    python bench/identifiers.py [--n 20000] [--rounds 15] [--markdown]

One CPython process; the same pseudo-random valid and invalid citizen ID numbers and credit
codes (seed 12333, 80 % valid) through each library with the method of ``bench/paired.py``:
both warm, paired interleaved rounds, CPU time, the median per call and the median ratio of
the same round with its range.  stdnum's citizen-ID check also looks the birthplace up in its
historical division table, which explains part of the full-check difference; the "checksum
only" rows compare like with like.
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.paired import format_ratio, markdown_table, median, paired, ratio  # noqa: E402
from lib12333 import categories  # noqa: E402
from lib12333 import identifiers as ids  # noqa: E402


def make_ids(n, rng):
    out = []
    for _ in range(n):
        body = (
            rng.choice(["110105", "330106", "440305", "510104"])
            + "%04d%02d%02d" % (rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
            + "%03d" % rng.randint(0, 999)
        )
        good = body + ids.citizen_id_check_digit(body)
        out.append(good if rng.random() < 0.8 else body + ("0" if good[-1] != "0" else "1"))
    return out


def make_usccs(n, rng):
    out = []
    for _ in range(n):
        body = "91" + "%06d" % rng.randint(110000, 659999) + "".join(rng.choice(ids._USCC) for _ in range(9))
        out.append(body + ids.uscc_check_char(body))
    return out


def measure(n, rounds):
    """Rows of (operation, lib12333 µs, stdnum µs or None, ratio text)."""
    rng = random.Random(12333)
    cids = make_ids(n, rng)
    codes = make_usccs(n, rng)
    try:
        from stdnum.cn import ric, uscc
    except ImportError:
        ric = uscc = None
        print("python-stdnum not installed: only lib12333 rows", file=sys.stderr)
    pairs = [
        ("citizen ID, full check", cids, ids.is_valid_citizen_id, ric and ric.is_valid),
        # stdnum's takes the whole number and drops the last character; ours takes the 17-digit body
        ("citizen ID, checksum only", [v[:17] for v in cids], ids.citizen_id_check_digit,
         ric and (ric.calc_check_digit, cids)),
        ("USCC, full check", codes, ids.is_valid_uscc, uscc and uscc.is_valid),
        ("`identify()` (detect + check + mask)", cids, ids.identify, None),
        ("category `lookup()`", [c for c, _ in categories.items()] * (n // 173 + 1), categories.lookup, None),
    ]
    rows = []
    for name, values, ours, theirs in pairs:
        peer = theirs if isinstance(theirs, tuple) else (theirs, values)
        contenders = [("lib12333", ours)] + ([("stdnum",) + peer] if theirs else [])
        times = paired(contenders, values, rounds)
        us = median(times["lib12333"]) * 1e6
        if theirs:
            peer = median(times["stdnum"]) * 1e6
            r = ratio(times, "stdnum", "lib12333")
            verdict = format_ratio(r) + (" faster" if r[0] >= 1 else "")
            if r[0] < 1:
                inverse = ratio(times, "lib12333", "stdnum")
                verdict = format_ratio(inverse) + " slower"
            rows.append((name, "%.2f" % us, "%.2f" % peer, verdict))
        else:
            rows.append((name, "%.2f" % us, "—", "—"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--n", type=int, default=20000, help="values per run (default: 20000)")
    parser.add_argument("--rounds", type=int, default=15, help="paired rounds (default: 15)")
    parser.add_argument("--markdown", action="store_true", help="print the table of docs/benchmarks.md")
    args = parser.parse_args()
    rows = measure(args.n, args.rounds)
    try:
        import stdnum

        version = getattr(stdnum, "__version__", "?")
    except ImportError:
        version = "not installed"
    header = ("operation (µs per call)", "lib12333", "python-stdnum %s" % version,
              "lib12333 vs stdnum: median ratio (range)")
    if args.markdown:
        print(markdown_table(header, rows))
    else:
        print("%-40s %9s %9s  %s" % ("operation (us per call)", "lib12333", "stdnum", "ratio (range)"))
        for name, ours, peer, verdict in rows:
            print("%-40s %9s %9s  %s" % (name, ours, peer, verdict))
    print("\nCPython %s, python-stdnum %s, n=%d, %d paired rounds, CPU time"
          % (sys.version.split()[0], version, args.n, args.rounds), file=sys.stderr)


if __name__ == "__main__":
    main()
