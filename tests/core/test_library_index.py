"""The on-device library index reader on the starter vectors (CPython and MicroPython).

On MicroPython the heap test prints ``KB-HEAP`` lines: the bytes still held
after opening the index, browsing to a category and reading one entry
(``retained``) and the bytes allocated while doing it (``gross``, an upper bound
of the peak because nothing is collected in between).
"""

import gc
import io
import unittest

from lib12333.errors import StorageError
from lib12333.library.index import KbIndex
from tests.core.support import IS_MICROPYTHON, project_path, read_bytes

VEC = "protocols/library/vectors/starter-330100"


def open_vectors():
    return open(project_path(VEC + ".idx"), "rb"), open(project_path(VEC + ".dat"), "rb")


class IndexReadTest(unittest.TestCase):
    def setUp(self):
        self.files = open_vectors()
        self.kb = KbIndex(self.files[0], self.files[1])

    def tearDown(self):
        for f in self.files:
            f.close()

    def test_header(self):
        self.assertEqual(self.kb.region, "330100")
        self.assertEqual(self.kb.as_of, 20130301)
        self.assertEqual(self.kb.entry_count, 33)

    def test_top_level_classes(self):
        top = [(c.code, c.name) for c in self.kb.top()]
        self.assertEqual(top[0], ("01", "综合"))
        self.assertIn(("25", "人力资源社会保障信息化"), top)
        self.assertEqual([c for c, _n in top], sorted(c for c, _n in top))

    def test_browse_down_to_entries(self):
        c25 = self.kb.find_category("25")
        kids = [(c.code, c.name, c.entry_count) for c in self.kb.children(c25)]
        self.assertEqual(kids, [("2504", "公共服务", 16), ("2505", "社会保障卡", 4)])
        card = self.kb.find_category("2505")
        titles = self.kb.titles(card)
        self.assertEqual([k for _n, k, _t in titles],
                         ["card-knowledge", "card-loss-counter", "card-loss-kiosk", "card-loss-phone"])
        self.assertEqual(titles[2][2], "在自助终端临时挂失社会保障卡")
        local = self.kb.find_category("250401")
        self.assertEqual(local.name, "12333电话咨询服务（浙江省扩展）")
        self.assertEqual(self.kb.category(local.parent).code, "2504")

    def test_read_entry(self):
        n = self.kb.find_key("svc-12333-dial")
        e = self.kb.entry(n)
        self.assertEqual(e["level"], "city")
        self.assertEqual(e["region"], "330100")
        self.assertIn("0571-12333", e["body"])
        self.assertEqual(e["source_doc"], "劳社部函〔2003〕84号")
        self.assertEqual(e["keywords"], ["拨打", "0571", "杭州"])
        self.assertIsNone(e["valid_to"])
        self.assertEqual(e["version"], 1)
        self.assertIsNone(self.kb.find_key("no-such-key"))
        self.assertIsNone(self.kb.find_category("9999"))

    def test_expired_entry_is_absent(self):
        self.assertIsNone(self.kb.find_key("year-2012-theme"))
        self.assertIsNotNone(self.kb.find_key("year-2013-theme"))

    def test_every_entry_readable(self):
        for n in range(self.kb.entry_count):
            e = self.kb.entry(n)
            self.assertEqual(self.kb.title(n), (e["key"], e["title"]))
            self.assertEqual(self.kb.category(e["category_index"]).code, e["category"])

    @unittest.skipIf(not IS_MICROPYTHON, "heap is measured on MicroPython")
    def test_heap_browse_and_read(self):
        self.files[0].close()
        self.files[1].close()
        gc.collect()
        before = gc.mem_alloc()
        files = open_vectors()
        kb = KbIndex(files[0], files[1])
        cat = kb.find_category("2505")
        titles = kb.titles(cat)
        entry = kb.entry(titles[2][0])
        gross = gc.mem_alloc() - before
        gc.collect()
        retained = gc.mem_alloc() - before
        print("KB-HEAP retained", retained, "gross", gross, "entry-bytes", len(entry["body"].encode()))
        files[0].close()
        files[1].close()
        self.files = open_vectors()
        self.assertTrue(retained < 8192)
        self.assertTrue(gross < 32768)
        # for comparison: what loading the whole library as JSON holds
        import json

        entry = titles = kb = cat = files = None
        gc.collect()
        before = gc.mem_alloc()
        with open(project_path("lib12333/data/kb/starter.json")) as f:
            doc = json.load(f)
        gc.collect()
        print("KB-HEAP json-load retained", gc.mem_alloc() - before, "entries", len(doc["entries"]))


class CorruptIndexTest(unittest.TestCase):
    def setUp(self):
        self.idx = read_bytes(VEC + ".idx")
        self.dat = read_bytes(VEC + ".dat")

    def open(self, idx, dat):
        return KbIndex(io.BytesIO(idx), io.BytesIO(dat))

    def test_truncated_or_wrong_files(self):
        cases = (
            (self.idx[:-1], self.dat),
            (self.idx, self.dat[:-1]),
            (b"X" + self.idx[1:], self.dat),
            (self.idx[:4] + b"\x02" + self.idx[5:], self.dat),
            (self.idx, b"X" + self.dat[1:]),
            (b"", self.dat),
        )
        for idx, dat in cases:
            with self.assertRaises(StorageError):
                self.open(idx, dat)

    def test_bad_references_fail_on_read(self):
        kb = self.open(self.idx, self.dat)
        ent_at = 32 + 24 * kb.category_count
        # entry 0 points past the end of the data file
        bad = bytearray(self.idx)
        bad[ent_at + 4:ent_at + 8] = b"\x00\x10\x00\x00"
        kb = self.open(bytes(bad), self.dat)
        with self.assertRaises(StorageError):
            kb.entry(0)
        # entry 0 claims a shorter record than its strings need
        bad = bytearray(self.idx)
        bad[ent_at + 11] = 5
        with self.assertRaises(StorageError):
            self.open(bytes(bad), self.dat).entry(0)
        with self.assertRaises(StorageError):
            kb.category(kb.category_count)
