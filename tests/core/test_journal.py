"""Journal (lib12333.journal), stores (lib12333.storage) and the outbox (lib12333.outbox)."""

import sys
import unittest

from firmware.filestore import FileStore
from lib12333.errors import CapacityError, StorageError, ValidationError
from lib12333.journal import Journal, encode_record, scan
from lib12333.outbox import SEND, Outbox
from lib12333.secure import frame as F
from lib12333.secure import messages as M
from lib12333.secure.aes import AES128
from lib12333.secure.replay import ReplayWindow
from lib12333.storage import MemoryStore

IS_MICROPYTHON = sys.implementation.name == "micropython"
KEY = b"0123456789abcdef"
CIPHER = AES128(KEY, backend="pure")


def _payload(text="问"):
    return M.encode(M.REQUEST, {"kind": M.CONSULTATION, "category": "0101", "phone": "13900000000", "text": text})


def _outbox(a, b, **kw):
    opts = {"reserve_block": 4, "max_attempts": 3, "base_delay": 10, "max_delay": 100}
    opts.update(kw)
    return Outbox(Journal(a, b), CIPHER, 0x1234, **opts)


class TestRecords(unittest.TestCase):
    def test_record_layout(self):
        r = encode_record(0x10, b"ab")
        self.assertEqual(r[:3], b"\x00\x03\x10")
        self.assertEqual(r[3:5], b"ab")
        self.assertEqual(len(r), 9)
        self.assertEqual(scan(r + r), ([(0x10, b"ab"), (0x10, b"ab")], 18))

    def test_scan_stops_at_torn_or_corrupt(self):
        r = encode_record(0x10, b"hello") + encode_record(0x11, b"world")
        for cut in range(len(r)):
            recs, end = scan(r[:cut])
            self.assertEqual(len(recs), 0 if cut < 12 else 1)
            self.assertEqual(end, 0 if cut < 12 else 12)
        bad = bytearray(r)
        bad[15] ^= 1
        self.assertEqual(scan(bytes(bad)), ([(0x10, b"hello")], 12))
        self.assertEqual(scan(b"\x00\x00\x00\x00\x00\x00\x00"), ([], 0))


class TestJournal(unittest.TestCase):
    def test_fresh_append_reopen(self):
        a, b = MemoryStore(), MemoryStore()
        j = Journal(a, b)
        self.assertEqual(j.open(), [])
        self.assertEqual(j.generation, 1)
        j.append(0x10, b"one")
        j.append(0x20, b"two")
        self.assertEqual(Journal(a, b).open(), [(0x10, b"one"), (0x20, b"two")])

    def test_torn_tail_truncated_by_compaction(self):
        a, b = MemoryStore(), MemoryStore()
        j = Journal(a, b)
        j.open()
        j.append(0x10, b"kept")
        j.append(0x10, b"torn")
        a.data = a.data[:-2]
        j2 = Journal(a, b)
        self.assertEqual(j2.open(), [(0x10, b"kept")])
        self.assertEqual(j2.torn_bytes, 9)
        self.assertEqual(j2.generation, 2)
        self.assertEqual(a.size(), 0)
        j2.append(0x10, b"after")
        self.assertEqual(Journal(a, b).open(), [(0x10, b"kept"), (0x10, b"after")])

    def test_compaction_and_interrupted_compaction(self):
        a, b = MemoryStore(), MemoryStore()
        j = Journal(a, b)
        j.open()
        for i in range(10):
            j.append(0x10, bytes((i,)))
        j.compact([(0x11, b"live")])
        self.assertEqual(Journal(a, b).open(), [(0x11, b"live")])
        # A compaction cut before its COMMIT: the old slot is still the answer.
        j = Journal(a, b)
        j.open()
        j.append(0x12, b"x")
        active = a if a.size() else b
        idle = b if active is a else a
        idle.append(encode_record(0x01, b"L12J\x01\x00\x00\x00\x09") + encode_record(0x13, b"partial"))
        self.assertEqual(Journal(a, b).open(), [(0x11, b"live"), (0x12, b"x")])

    def test_corrupt_beyond_recovery_is_a_storage_error(self):
        a = MemoryStore(b"\x55" * 200)
        with self.assertRaises(StorageError):
            Journal(a, MemoryStore()).open()

    def test_interrupted_first_open(self):
        a, b = MemoryStore(), MemoryStore()
        Journal(a, b).open()
        for cut in range(a.size()):
            a2 = MemoryStore(a.data[:cut])
            self.assertEqual(Journal(a2, MemoryStore()).open(), [])

    def test_append_checks(self):
        j = Journal(MemoryStore(), MemoryStore())
        with self.assertRaises(StorageError):
            j.append(0x10, b"")
        j.open()
        with self.assertRaises(ValidationError):
            j.append(0x01, b"")


class TestFileStore(unittest.TestCase):
    def setUp(self):
        if IS_MICROPYTHON:
            self.path = "/app/_journal_test_" + str(id(self)) + ".bin"
        else:
            import tempfile

            self.dir = tempfile.mkdtemp()
            self.path = self.dir + "/journal.bin"

    def tearDown(self):
        import os

        for p in (self.path, self.path + ".b"):
            try:
                os.remove(p)
            except OSError:
                pass
        if not IS_MICROPYTHON:
            os.rmdir(self.dir)

    def test_file_store_journal_survives_reopen(self):
        a, b = FileStore(self.path), FileStore(self.path + ".b")
        j = Journal(a, b)
        self.assertEqual(j.open(), [])
        j.append(0x10, b"persisted")
        a.close()
        b.close()
        a, b = FileStore(self.path), FileStore(self.path + ".b")
        self.assertEqual(Journal(a, b).open(), [(0x10, b"persisted")])
        self.assertEqual(a.read(0, 3)[:2], b"\x00\x0a")
        a.reset()
        self.assertEqual(a.size(), 0)
        a.close()
        b.close()


class TestOutbox(unittest.TestCase):
    def test_accept_is_durable_and_resent_after_reboot(self):
        a, b = MemoryStore(), MemoryStore()
        ob = _outbox(a, b)
        ob.open(0)
        s1 = ob.accept(M.REQUEST, _payload("一"), 100)
        s2 = ob.accept(M.REQUEST, _payload("二"), 101)
        self.assertEqual((s1, s2), (1, 2))
        sent = ob.poll(101)
        self.assertEqual([(e[0], e[1]) for e in sent], [(SEND, 1), (SEND, 2)])
        frame1 = sent[0][2]
        self.assertTrue(ob.ack(1))
        self.assertFalse(ob.ack(1))
        # Reboot: only 2 is pending, due immediately, same bytes as before.
        ob2 = _outbox(a, b)
        self.assertEqual(ob2.open(500), [2])
        ev = ob2.poll(500)
        self.assertEqual([(e[0], e[1]) for e in ev], [(SEND, 2)])
        self.assertEqual(ev[0][2], sent[1][2])
        f = F.open(CIPHER, ev[0][2], F.UP)
        self.assertEqual((f.seq, f.device_id, f.time), (2, 0x1234, 101))
        self.assertEqual(M.decode(f.msg_type, f.payload)["text"], "二")
        self.assertTrue(frame1 != ev[0][2])

    def test_sequence_never_reused_across_reboots(self):
        a, b = MemoryStore(), MemoryStore()
        used = []
        for boot in range(5):
            ob = _outbox(a, b)
            ob.open(boot)
            used.append(ob.seal_volatile(M.STATUS_QUERY, M.encode(M.STATUS_QUERY, {"ref_device": 1, "ref_seq": 1}), boot)[0])
            used.append(ob.accept(M.REQUEST, _payload(), boot))
        self.assertEqual(len(used), len(set(used)))
        self.assertEqual(used, sorted(used))
        # Blocks of 4: each boot skips the unused rest of the previous block.
        self.assertEqual(used[:4], [1, 2, 5, 6])

    def test_backoff_then_reported_failure(self):
        a, b = MemoryStore(), MemoryStore()
        ob = _outbox(a, b)
        ob.open(0)
        s = ob.accept(M.REQUEST, _payload(), 0)
        times = []
        failures = []
        for t in range(0, 400):
            for ev in ob.poll(t):
                if ev[0] == SEND:
                    times.append(t)
                else:
                    failures.append((t, ev[1], ev[2]))
        self.assertEqual(times, [0, 10, 30])
        self.assertEqual(failures, [(70, s, M.REQUEST)])
        self.assertEqual(ob.pending(), [])
        self.assertEqual(ob.failures(), [(s, M.REQUEST, 0)])
        # The failure survives a reboot until dismissed.
        ob2 = _outbox(a, b)
        ob2.open(1000)
        self.assertEqual(ob2.failures(), [(s, M.REQUEST, 0)])
        self.assertEqual(ob2.poll(1000), [])
        self.assertTrue(ob2.retry(s, 1000))
        self.assertEqual([e[1] for e in ob2.poll(1000)], [s])
        ob3 = _outbox(a, b)
        self.assertEqual(ob3.open(2000), [s])
        self.assertEqual(ob3.failures(), [])
        ob3.ack(s)
        ob4 = _outbox(a, b)
        ob4.open(3000)
        self.assertEqual((ob4.pending(), ob4.failures()), ([], []))

    def test_delay_is_capped(self):
        ob = _outbox(MemoryStore(), MemoryStore(), max_attempts=10, base_delay=10, max_delay=50)
        self.assertEqual([ob._delay(k) for k in range(1, 7)], [10, 20, 40, 50, 50, 50])

    def test_compaction_keeps_live_state(self):
        a, b = MemoryStore(), MemoryStore()
        ob = _outbox(a, b, compact_at=600)
        ob.open(0)
        keep = []
        for i in range(40):
            s = ob.accept(M.REQUEST, _payload(str(i)), i)
            ob.poll(i)
            if i % 7 == 0:
                keep.append(s)
            else:
                ob.ack(s)
        self.assertTrue(ob.journal.generation > 3)
        self.assertTrue(a.size() + b.size() < 1200)
        ob2 = _outbox(a, b)
        self.assertEqual(ob2.open(100), keep)
        self.assertEqual(ob2.attempts(keep[0]), 3)
        self.assertEqual(ob2.attempts(keep[-1]), 1)
        self.assertTrue(ob2.next_seq() > 40)

    def test_window_persisted(self):
        a, b = MemoryStore(), MemoryStore()
        ob = _outbox(a, b)
        ob.open(0)
        w = ReplayWindow(32)
        w.accept(3)
        w.accept(5)
        ob.save_window(w.to_bytes())
        ob.compact()
        ob2 = _outbox(a, b)
        ob2.open(0)
        self.assertEqual(ReplayWindow.from_bytes(ob2.window).seen(), [3, 5])

    def test_limits(self):
        ob = _outbox(MemoryStore(), MemoryStore(), max_pending=2)
        ob.open(0)
        ob.accept(M.REQUEST, _payload(), 0)
        ob.accept(M.REQUEST, _payload(), 0)
        with self.assertRaises(CapacityError):
            ob.accept(M.REQUEST, _payload(), 0)
        ob2 = _outbox(MemoryStore(), MemoryStore())
        ob2.open(0)
        with self.assertRaises(ValidationError):
            ob2.accept(M.ACK, b"", 0)  # payload does not decode as an ACK
        with self.assertRaises(ValidationError):
            ob2.accept(M.CARD_STATUS_ANSWER, b"", 0)  # centre-to-kiosk type from a kiosk
        self.assertEqual(ob2.next_seq(), 1)  # nothing was spent on refused requests


if __name__ == "__main__":
    unittest.main()
