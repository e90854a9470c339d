"""
Heap used by lib12333.categories / category_ext / identifiers / masking on real MicroPython.

    python bench/categories_heap.py          # source (.py) and mpy-cross (.mpy)

Stages the core like tests/mp/run.py does and runs, in a fresh MicroPython VM
(the wasm port from npm, 1 MiB heap) per line: gc.collect(); mem_alloc before;
the step; gc.collect(); mem_alloc after, each in its own runPython call so
that the step's garbage is really collected.  "retained" is what stays
allocated after the step; "peak" is the highest mem_alloc seen inside the step
(sampled after each operation; a lower bound of the transient need).
"""

import tempfile

from mp_heap import heap_rows, print_table, staged_core

STEPS = [
    ("(baseline: empty step)", "import lib12333.errors", "pass"),
    ("import lib12333.errors", "", "import lib12333.errors"),
    ("import lib12333.categories", "import lib12333.errors", "import lib12333.categories"),
    ("import lib12333.category_ext", "import lib12333.categories", "import lib12333.category_ext"),
    ("import lib12333.identifiers", "import lib12333.errors", "import lib12333.identifiers"),
    ("import lib12333.masking", "", "import lib12333.masking"),
    (
        "lookup of all 173 codes",
        "from lib12333 import categories as C\ncodes=[c for c, _ in C.items()]",
        "for c in codes:\n    C.lookup(c)\n    _p(gc.mem_alloc())",
    ),
    (
        "search('养老') (results kept)",
        "from lib12333 import categories as C",
        "r = C.search('养老')\n_p(gc.mem_alloc())",
    ),
    (
        "children('14') (result kept)",
        "from lib12333 import categories as C",
        "r = C.children('14')\n_p(gc.mem_alloc())",
    ),
    (
        "identify() of a citizen ID",
        "from lib12333 import identifiers as I",
        "r = I.identify('11010519491231002X')\n_p(gc.mem_alloc())",
    ),
]


def measure(use_mpy):
    with tempfile.TemporaryDirectory(prefix="lib12333-heap-") as tmp:
        return heap_rows(staged_core(tmp, use_mpy), STEPS, 1048576)


def main():
    print_table(STEPS, measure(False), measure(True), width=32)


if __name__ == "__main__":
    main()
