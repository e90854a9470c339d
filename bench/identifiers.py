"""
Identifier validation and category lookup speed: lib12333 next to python-stdnum.

    python bench/identifiers.py [--n 20000]

Runs in one CPython process: the same pseudo-random valid and invalid citizen
ID numbers and credit codes (fixed seed) through each library, best of 5
rounds, and prints a table of microseconds per call.  stdnum's citizen-ID check
also looks the birthplace up in its historical division table, which explains
part of the difference; the "checksum only" rows compare like with like.
"""

import argparse
import random
import sys
import timeit

sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])

from lib12333 import categories  # noqa: E402
from lib12333 import identifiers as ids  # noqa: E402


def make_ids(n, rng):
    out = []
    for _ in range(n):
        body = (
            rng.choice(["110105", "330106", "440305", "510104"])
            + "%04d%02d%02d"
            % (
                rng.randint(1950, 2005),
                rng.randint(1, 12),
                rng.randint(1, 28),
            )
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


def best(fn, values, rounds=5):
    t = min(timeit.repeat(lambda: [fn(v) for v in values], number=1, repeat=rounds))
    return t / len(values) * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    rng = random.Random(12333)
    cids = make_ids(args.n, rng)
    codes = make_usccs(args.n, rng)
    rows = [
        ("citizen ID, full check", "lib12333", best(ids.is_valid_citizen_id, cids)),
        ("citizen ID, checksum only", "lib12333", best(lambda v: ids.citizen_id_check_digit(v[:17]), cids)),
        ("USCC, full check", "lib12333", best(ids.is_valid_uscc, codes)),
        ("identify() on citizen IDs", "lib12333", best(ids.identify, cids)),
        (
            "category lookup (173 codes)",
            "lib12333",
            best(categories.lookup, [c for c, _ in categories.items()] * 20),
        ),
    ]
    try:
        from stdnum.cn import ric, uscc

        rows.insert(1, ("citizen ID, full check", "stdnum", best(ric.is_valid, cids)))
        rows.insert(3, ("citizen ID, checksum only", "stdnum", best(ric.calc_check_digit, cids)))
        rows.insert(5, ("USCC, full check", "stdnum", best(uscc.is_valid, codes)))
    except ImportError:
        print("python-stdnum not installed: only lib12333 rows", file=sys.stderr)
    print("%-30s %-9s %10s" % ("operation", "library", "us/call"))
    for name, lib, us in rows:
        print("%-30s %-9s %10.2f" % (name, lib, us))
    try:
        import stdnum

        version = getattr(stdnum, "__version__", "?")
    except ImportError:
        version = "not installed"
    print("\nCPython %s, python-stdnum %s, n=%d" % (sys.version.split()[0], version, args.n))


if __name__ == "__main__":
    main()
