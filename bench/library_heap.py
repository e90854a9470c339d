"""
Heap of the kiosk's library browsing and of the request state machine on real MicroPython,
next to what loading the library as JSON (the obvious alternative) costs.

    python bench/library_heap.py

Uses the VM harness of ``bench/mp_heap.py`` (each step in a fresh VM of the npm
wasm port, setup / before / step / after in separate ``runPython`` calls so that
``gc.collect()`` really reclaims): *retained* = ``mem_alloc`` after the step minus
before, *peak* = highest ``mem_alloc`` sampled during the step minus before (a lower
bound of the transient need; sampled after every reader call).

Two libraries: the starter library merged for Hangzhou (33 entries, the committed
vectors) and a synthetic one of 3000 entries in all 146 national sub-classes built here with
the host builder, to show that the reader's heap does not grow with the library.
"""

import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, ROOT)
from mp_heap import heap_rows, print_table, staged_core  # noqa: E402

from lib12333.host import kb  # noqa: E402
from lib12333.library.entry import Entry  # noqa: E402

IMPORT = "from lib12333.library.index import KbIndex\n"
BROWSE = """
kb = KbIndex(open('/app/{name}.idx', 'rb'), open('/app/{name}.dat', 'rb'))
_p(gc.mem_alloc())
top = kb.top()
_p(gc.mem_alloc())
cat = kb.find_category('{code}')
_p(gc.mem_alloc())
titles = kb.titles(cat)
_p(gc.mem_alloc())
entry = kb.entry(titles[len(titles) // 2][0])
_p(gc.mem_alloc())
"""
JSON_LOAD = "import json\nwith open('/app/{name}.json') as f:\n    doc = json.load(f)\n"
REQ_IMPORT = "from lib12333 import citizen_requests as R\n"
REQ_FLOW = """
r = R.new_request('complaint', '330100', 'K01', (2013, 3, 1), 7, 1000, '单位拖欠工资', '13912345678')
R.apply(r, 'start', '330100', 1001, 'a')
R.apply(r, 'transfer', '330100', 1002, 'b', target='330200')
R.apply(r, 'accept_transfer', '330200', 1003, 'c')
R.apply(r, 'start', '330200', 1004, 'd')
R.apply(r, 'complete', '330200', 1005, 'e', note='已处理')
"""


def synthetic(n=3000):
    subclasses = [c for c, _ in __import__("lib12333.categories", fromlist=["items"]).items() if len(c) == 4]
    entries = []
    for i in range(n):
        entries.append(Entry.from_dict({
            "key": "e%05d" % i, "kind": "qa", "category": subclasses[i % len(subclasses)], "level": "national",
            "title": "第%d条问题：社会保障卡挂失怎么办" % i, "body": "答：" + "请携带本人有效身份证件到窗口办理。" * 6,
            "keywords": ["挂失", "社保卡"], "source_doc": "人社厅发〔2010〕92号", "source_date": "2010-10-12"}))
    return entries


def stage(tmp, use_mpy):
    staging = staged_core(tmp, use_mpy)
    idx, dat, _r = kb.build_from_files([kb.STARTER], "330100", "2013-03-01")
    big = synthetic()
    bidx, bdat = kb.build_index(big, {}, "", "2013-03-01")
    for name, data in (("starter.idx", idx), ("starter.dat", dat), ("big.idx", bidx), ("big.dat", bdat)):
        with open(os.path.join(staging, name), "wb") as f:
            f.write(data)
    with open(kb.STARTER, "rb") as src, open(os.path.join(staging, "starter.json"), "wb") as f:
        f.write(src.read())
    with open(os.path.join(staging, "big.json"), "w", encoding="utf-8") as f:
        json.dump({"format": "lib12333-kb", "entries": [e.to_dict() for e in big]}, f, ensure_ascii=False)
    sizes = {n: os.path.getsize(os.path.join(staging, n)) for n in ("starter.idx", "starter.dat", "starter.json",
                                                                   "big.idx", "big.dat", "big.json")}
    return staging, sizes


STEPS = [
    ("import lib12333.library.index", "", IMPORT),
    ("open + browse + read, starter (33)", IMPORT, BROWSE.format(name="starter", code="2505")),
    ("open + browse + read, synthetic (3000)", IMPORT, BROWSE.format(name="big", code="2505")),
    ("json.load starter.json (36)", "", JSON_LOAD.format(name="starter")),
    ("json.load synthetic (3000)", "", JSON_LOAD.format(name="big")),
    ("import lib12333.citizen_requests", "", REQ_IMPORT),
    ("request: accept, transfer, complete", REQ_IMPORT, REQ_FLOW),
]


def measure(use_mpy):
    with tempfile.TemporaryDirectory(prefix="lib12333-kbheap-") as tmp:
        staging, sizes = stage(tmp, use_mpy)
        return heap_rows(staging, STEPS, 8 * 1024 * 1024), sizes


def main():
    py, sizes = measure(False)
    mpy, _sizes = measure(True)
    print("files: " + ", ".join("%s %d B" % kv for kv in sorted(sizes.items())))
    print_table(STEPS, py, mpy, width=42)


if __name__ == "__main__":
    main()
