"""
The method every speed comparison in bench/ uses: both sides warm, paired interleaved rounds,
the median ratio with its spread.

- Warm-up: each contender runs the whole input once before anything is timed (imports, caches,
  lazily built tables, the peer's first-call set-up: a cold first call is not what a server sees).
- Rounds: in every round each contender runs the same input once, one right after the other, and
  the order alternates between rounds (A B, B A, ...), so a slow patch of a shared machine hits
  both sides of a pair instead of one.
- Result: per contender the median time per call over the rounds; per pair the ratio of the two
  times *of the same round*, and its median and range (lowest-highest) over the rounds. The
  range is the spread to quote next to the ratio.

Times are CPU time of this process (``time.process_time``) unless ``wall=True``: the machines
these run on are shared, and another job's load shows in wall-clock time but hardly in CPU time.
"""

import statistics
import time


def _run(fn, values):
    for v in values:
        fn(v)


def paired(contenders, values, rounds=15, wall=False):
    """Time ``contenders`` on ``values``; returns {name: [seconds per call, one per round]}.

    A contender is ``(name, fn)``, or ``(name, fn, own_values)`` when its API wants the same
    inputs in another shape (same length, same items); ``fn`` is called once per value.
    """
    clock = time.perf_counter if wall else time.process_time
    contenders = [(c[0], c[1], c[2] if len(c) > 2 else values) for c in contenders]
    for _name, fn, vals in contenders:
        _run(fn, vals)  # warm
    times = dict((c[0], []) for c in contenders)
    for r in range(rounds):
        order = contenders if r % 2 == 0 else list(reversed(contenders))
        for name, fn, vals in order:
            t0 = clock()
            _run(fn, vals)
            times[name].append((clock() - t0) / len(vals))
    return times


def ratio(times, slower, faster):
    """(median, lowest, highest) of ``times[slower][i] / times[faster][i]`` over the rounds."""
    ratios = [s / f for s, f in zip(times[slower], times[faster]) if f > 0]
    return statistics.median(ratios), min(ratios), max(ratios)


def median(samples):
    return statistics.median(samples)


def format_ratio(r):
    """"7.5x (6.9-8.1x)": the median ratio and its range over the rounds."""
    med, lo, hi = r
    return "%.2fx (%.2f-%.2fx)" % (med, lo, hi)


def markdown_table(header, rows):
    """A GitHub table; numbers right-aligned."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out.extend("| " + " | ".join(str(c) for c in row) + " |" for row in rows)
    return "\n".join(out)
