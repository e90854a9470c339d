"""The sans-IO modem engine against scripted byte exchanges (CPython and MicroPython)."""

import unittest

from lib12333.errors import DeadlineError, DeviceError
from lib12333.modem import profiles
from lib12333.modem.engine import Engine
from lib12333.sms.encode import encode_deliver, encode_status_report
from lib12333.sms.scts import Timestamp

TS = Timestamp(2026, 11, 29, 19, 5, 0, 480)
TS2 = Timestamp(2026, 11, 29, 19, 6, 0, 480)
PEER = "+8613800000002"

INIT = (
    (b"AT\r", b"\r\nOK\r\n"),
    (b"ATE0\r", b"\r\nOK\r\n"),
    (b"AT+CMEE=2\r", b"\r\nOK\r\n"),
    (b"AT+CPIN?\r", b"\r\n+CPIN: READY\r\n\r\nOK\r\n"),
    (b"AT+CMGF=0\r", b"\r\nOK\r\n"),
    (b'AT+CPMS="SM","SM","SM"\r', b"\r\n+CPMS: 0,30,0,30,0,30\r\n\r\nOK\r\n"),
    (b"AT+CNMI=2,1,0,2,0\r", b"\r\nOK\r\n"),
    (b"AT+CREG=1\r", b"\r\nOK\r\n"),
    (b"AT+CEREG=1\r", b"\r\nOK\r\n"),
    (b"AT+CSCA?\r", b'\r\n+CSCA: "+8613800571500",145\r\n\r\nOK\r\n'),
    (b"AT+CMGL=4\r", b"\r\nOK\r\n"),
)


class Harness:
    def __init__(self, test, **options):
        self.test = test
        self.t = 100.0
        options.setdefault("profile", profiles.get("SIM7600CE"))
        options.setdefault("scan_interval", None)
        self.eng = Engine(now=self.t, **options)
        self.seen = []
        self.pending = []

    def tx(self, expected):
        got = self.eng.data_to_send()
        self.test.assertEqual(got, expected)

    def rx(self, data, dt=0.01):
        self.t += dt
        self.eng.receive(data, self.t)

    def step(self, expected, answer):
        self.tx(expected)
        self.rx(answer)

    def wait(self, seconds):
        self.t += seconds
        self.eng.poll(self.t)

    def events(self, kind=None):
        """Events of ``kind`` so far (each returned once); others stay for later calls."""
        evs = self.eng.events()
        self.seen.extend(evs)
        self.pending.extend(evs)
        out = [e for e in self.pending if kind is None or e.kind == kind]
        self.pending = [e for e in self.pending if not (kind is None or e.kind == kind)]
        return out

    def resend_succeeds(self, sid, mr):
        """After the retry delay the queued SMS ``sid`` goes out again and the modem takes it as ``mr``."""
        self.wait(2.0)
        out = self.eng.data_to_send()
        self.test.assertTrue(out.startswith(b"AT+CMGS="))
        self.rx(b"\r\n> ")
        self.eng.data_to_send()
        self.rx(b"\r\n+CMGS: " + str(mr).encode() + b"\r\n\r\nOK\r\n")
        self.test.assertEqual(self.events("sent")[0].id, sid)

    def boot(self, script=INIT):
        self.eng.start(self.t)
        for tx, answer in script:
            self.step(tx, answer)
        ready = self.events("ready")
        self.test.assertEqual(len(ready), 1)
        return ready[0]


def deliver_hex(text, ref=None, seq=None, sender=PEER, ts=TS):
    parts = encode_deliver(sender, ts, text=text, ref=ref)
    if seq is None:
        return parts[0]
    return parts[seq - 1]


class InitTest(unittest.TestCase):
    def test_init_sequence_and_ready(self):
        h = Harness(self)
        ready = h.boot()
        self.assertEqual(ready.profile, "SIM7600CE")
        self.assertEqual((ready.used, ready.total, ready.smsc), (0, 30, "+8613800571500"))
        self.assertTrue(h.eng.ready)
        self.assertTrue(h.eng.idle())
        self.assertEqual(h.eng.data_to_send(), b"")

    def test_echo_on_and_boot_urcs_interleaved(self):
        h = Harness(self)
        h.eng.start(h.t)
        h.step(b"AT\r", b"AT\r\r\nOK\r\n")
        h.step(b"ATE0\r", b"ATE0\r\r\nOK\r\n")
        h.step(b"AT+CMEE=2\r", b"\r\n+CPIN: READY\r\n\r\nOK\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n")
        h.step(b"AT+CPIN?\r", b"\r\n+CPIN: READY\r\n\r\nOK\r\n")
        h.tx(b"AT+CMGF=0\r")
        self.assertEqual(h.events("unknown"), [])

    def test_module_stuck_in_pdu_entry_is_freed(self):
        h = Harness(self)
        h.eng.start(h.t)
        h.tx(b"AT\r")  # taken as PDU text by the module: no answer
        h.wait(1.0)
        h.tx(b"\x1b")  # leave PDU entry
        h.wait(0.5)
        h.step(b"AT\r", b"\r\nOK\r\n")
        h.tx(b"ATE0\r")

    def test_auto_profile_and_smsc_written(self):
        h = Harness(self, profile=None, smsc="+8613800571500")
        script = (INIT[:3] + ((b"AT+CGMM\r", b"\r\nEC200U\r\n\r\nOK\r\n"),) + INIT[3:4]
                  + ((b'AT+QURCCFG="urcport","uart1"\r', b"\r\nOK\r\n"),) + INIT[4:9]
                  + ((b"AT+CSCA?\r", b'\r\n+CSCA: "",129\r\n\r\nOK\r\n'),
                     (b'AT+CSCA="+8613800571500",145\r', b"\r\nOK\r\n"),
                     INIT[10]))
        ready = h.boot(script)
        self.assertEqual(ready.profile, "EC200")
        self.assertEqual(ready.smsc, "+8613800571500")

    def test_sim_not_ready_then_ready(self):
        h = Harness(self)
        h.eng.start(h.t)
        for tx, answer in INIT[:3]:
            h.step(tx, answer)
        h.step(b"AT+CPIN?\r", b"\r\n+CME ERROR: SIM busy\r\n")
        h.tx(b"")
        h.wait(1.0)
        h.step(b"AT+CPIN?\r", b"\r\n+CPIN: NOT READY\r\n\r\nOK\r\n")
        h.wait(1.0)
        h.step(b"AT+CPIN?\r", b"\r\n+CPIN: READY\r\n\r\nOK\r\n")
        for tx, answer in INIT[4:]:
            h.step(tx, answer)
        self.assertEqual(len(h.events("ready")), 1)

    def test_no_answer_fails_init_within_deadline(self):
        h = Harness(self, init_retry=5.0)
        h.eng.start(h.t)
        for i in range(10):
            h.tx(b"\x1bAT\r" if i else b"AT\r")  # ESC before each retry
            h.wait(1.0)  # each AT waits one second
            if i < 9:
                h.wait(0.5)  # quiet window after a timeout
        failed = h.events("init-failed")
        self.assertEqual(len(failed), 1)
        self.assertIsInstance(failed[0].error, DeadlineError)
        self.assertEqual(len([e for e in h.seen if e.kind == "deadline"]), 10)
        h.wait(5.0)
        h.wait(0.5)
        h.tx(b"\x1bAT\r")  # init tried again (after the ESC of the last failed try)


class SendTest(unittest.TestCase):
    def send_one(self, h, text="你好", report=True):
        sid = h.eng.send_sms(PEER, text, report=report)
        from lib12333.sms.encode import encode_submit

        part = encode_submit(PEER, text=text, srr=report, ref=0)[0]
        h.step(("AT+CMGS=" + str(part.tpdu_length) + "\r").encode(), b"\r\n> ")
        h.tx(part.hex.encode() + b"\x1a")
        return sid

    def test_send_prompt_ctrlz_mr_and_report(self):
        h = Harness(self)
        h.boot()
        sid = self.send_one(h)
        h.rx(b"\r\n+CMGS: 7\r\n\r\nOK\r\n")
        sent = h.events("sent")
        self.assertEqual([(e.id, e.parts) for e in sent], [(sid, [(1, 7)])])
        rep = encode_status_report(PEER, 7, TS, TS2, status=0)
        h.rx(b"\r\n+CDS: " + str(rep.tpdu_length).encode() + b"\r\n" + rep.hex.encode() + b"\r\n")
        reports = h.events("report")
        self.assertEqual([(r.id, r.seq, r.mr, r.status_kind) for r in reports], [(sid, 1, 7, "delivered")])

    def test_urc_inside_the_answer(self):
        h = Harness(self)
        h.boot()
        self.send_one(h)
        h.rx(b'\r\n+CMTI: "SM",4\r\n\r\n+CMGS: 9\r\n\r\nRING\r\n\r\nOK\r\n')
        self.assertEqual(h.events("sent")[0].parts, [(1, 9)])
        h.tx(b"AT+CMGR=4\r")  # the indication queued a read

    def test_retryable_error_then_success(self):
        h = Harness(self)
        h.boot()
        sid = self.send_one(h)
        h.rx(b"\r\n+CMS ERROR: 500\r\n")
        self.assertEqual(h.events("send-failed"), [])
        h.tx(b"")
        h.resend_succeeds(sid, mr=10)

    def test_permanent_error_reported_with_reason(self):
        h = Harness(self)
        h.boot()
        sid = self.send_one(h)
        h.rx(b"\r\n+CMS ERROR: 330\r\n")
        failed = h.events("send-failed")
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0].id, sid)
        self.assertIsInstance(failed[0].error, DeviceError)
        self.assertEqual(failed[0].error.code, "CMS 330")
        self.assertEqual(failed[0].sent, [])
        self.assertEqual(h.eng.data_to_send(), b"")

    def test_no_prompt_escapes_and_deadline_bounds_retries(self):
        h = Harness(self, send_deadline=30.0, send_retries=3)
        h.boot()
        sid = h.eng.send_sms(PEER, "hi", report=False)
        start = h.t
        failed = []
        while not failed and h.t - start < 100:
            h.eng.data_to_send()
            h.wait(0.5)
            failed = h.events("send-failed")
        self.assertEqual(failed[0].id, sid)
        self.assertIsInstance(failed[0].error, DeadlineError)
        self.assertTrue(h.t - start <= 30.0 + 0.5)
        self.assertTrue(len([e for e in h.seen if e.kind == "deadline"]) >= 2)

    def test_multipart_per_part_results(self):
        h = Harness(self)
        h.boot()
        h.eng.send_sms(PEER, "社保" * 40, report=False)
        for mr in (21, 22):
            out = h.eng.data_to_send()
            self.assertTrue(out.startswith(b"AT+CMGS="))
            h.rx(b"\r\n> ")
            self.assertTrue(h.eng.data_to_send().endswith(b"\x1a"))
            h.rx(("\r\n+CMGS: " + str(mr) + "\r\n\r\nOK\r\n").encode())
        self.assertEqual(h.events("sent")[0].parts, [(1, 21), (2, 22)])

    def test_second_part_fails_keeps_first_result(self):
        h = Harness(self)
        h.boot()
        h.eng.send_sms(PEER, "社保" * 40, report=False)
        h.eng.data_to_send()
        h.rx(b"\r\n> ")
        h.eng.data_to_send()
        h.rx(b"\r\n+CMGS: 3\r\n\r\nOK\r\n")
        h.eng.data_to_send()
        h.rx(b"\r\n+CMS ERROR: 304\r\n")
        f = h.events("send-failed")[0]
        self.assertEqual((f.sent, f.failed_seq, f.error.code), ([(1, 3)], 2, "CMS 304"))


class ReceiveTest(unittest.TestCase):
    def read(self, h, index, part):
        h.tx(("AT+CMGR=" + str(index) + "\r").encode())
        h.rx(("\r\n+CMGR: 0,," + str(part.tpdu_length) + "\r\n" + part.hex + "\r\n\r\nOK\r\n").encode())

    def test_stored_message_deleted_only_after_confirm(self):
        h = Harness(self)
        h.boot()
        h.rx(b'\r\n+CMTI: "SM",3\r\n')
        part = deliver_hex("社保卡挂失已受理")
        self.read(h, 3, part)
        msgs = h.events("message")
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0].message.text, "社保卡挂失已受理")
        self.assertEqual(msgs[0].message.number, PEER)
        self.assertEqual(h.eng.data_to_send(), b"")  # nothing deleted yet
        self.assertTrue(h.eng.confirm(msgs[0].token))
        h.step(b"AT+CMGD=3\r", b"\r\nOK\r\n")
        self.assertFalse(h.eng.confirm(msgs[0].token))  # idempotent
        self.assertEqual(h.eng.data_to_send(), b"")

    def test_index_zero_and_other_memory(self):
        h = Harness(self)
        h.boot()
        h.rx(b'\r\n+CMTI: "ME",0\r\n')
        h.step(b'AT+CPMS="ME"\r', b"\r\n+CPMS: 1,50,0,30,0,30\r\n\r\nOK\r\n")
        self.read(h, 0, deliver_hex("hello"))
        self.assertEqual(h.events("message")[0].message.text, "hello")

    def test_repeated_indication_read_once(self):
        h = Harness(self)
        h.boot()
        h.rx(b'\r\n+CMTI: "SM",1\r\n+CMTI: "SM",1\r\n')
        self.read(h, 1, deliver_hex("x"))
        self.assertEqual(h.eng.data_to_send(), b"")
        self.assertEqual(len(h.events("message")), 1)

    def test_cmti_storm_is_deduplicated_and_bounded(self):
        from lib12333.modem.engine import MAX_PENDING_READS

        h = Harness(self)
        h.boot()
        n = MAX_PENDING_READS + 8
        storm = b"".join(b'\r\n+CMTI: "SM",' + str(i).encode() + b"\r\n" for i in range(1, n + 1))
        h.rx(storm + storm + storm)  # every index three times
        names = [op.name for op in h.eng._ops]
        self.assertEqual(names.count("read") + 1, MAX_PENDING_READS)  # + the read already running
        self.assertEqual(names.count("scan"), 1)  # the overflow: one storage scan, not one read each
        self.assertEqual(len(names), MAX_PENDING_READS)
        for i in range(1, MAX_PENDING_READS + 1):
            self.read(h, i, deliver_hex("m" + str(i)))
        self.assertEqual(h.eng._reads, 0)
        listing = ""
        for i in range(1, n + 1):  # the first ones are still stored: not confirmed yet
            p = deliver_hex("m" + str(i))
            listing += "\r\n+CMGL: " + str(i) + ",0,," + str(p.tpdu_length) + "\r\n" + p.hex
        h.step(b"AT+CMGL=4\r", (listing + "\r\n\r\nOK\r\n").encode())
        texts = sorted(e.message.text for e in h.events("message"))
        self.assertEqual(texts, sorted("m" + str(i) for i in range(1, n + 1)))  # each exactly once
        h.tx(b"")
        h.rx(b'\r\n+CMTI: "SM",' + str(n + 1).encode() + b"\r\n")  # after the storm: a read again
        h.tx(("AT+CMGR=" + str(n + 1) + "\r").encode())

    def test_multipart_reassembled_and_all_parts_deleted(self):
        h = Harness(self)
        h.boot()
        text = "您的社保卡挂失申请已受理，" * 8
        p1 = deliver_hex(text, ref=77, seq=1)
        p2 = deliver_hex(text, ref=77, seq=2)
        h.rx(b'\r\n+CMTI: "SM",5\r\n')
        self.read(h, 5, p2)
        self.assertEqual(h.events("message"), [])
        h.rx(b'\r\n+CMTI: "SM",6\r\n')
        self.read(h, 6, p1)
        msgs = h.events("message")
        self.assertEqual(len(msgs), 1)
        self.assertEqual(msgs[0].message.text, text)
        self.assertTrue(msgs[0].complete)
        h.eng.confirm(msgs[0].token)
        h.step(b"AT+CMGD=5\r", b"\r\nOK\r\n")
        h.step(b"AT+CMGD=6\r", b"\r\nOK\r\n")
        h.tx(b"")

    def _frame_parts(self, data, ts=TS):
        # a kiosk frame: 8-bit data on an application port, two parts, reference 0 (a fresh engine's first)
        parts = encode_deliver(PEER, ts, data=data, ports=(2333, 2333), ref=0)
        self.assertEqual(len(parts), 2)
        return parts

    def _receive(self, h, index, part):
        h.rx(b'\r\n+CMTI: "SM",' + str(index).encode() + b"\r\n")
        self.read(h, index, part)

    def test_reused_reference_after_sender_reboot_is_a_new_message(self):
        # issue 13 item 6: the kiosk's engine restarts its concatenation reference at 0 after a power
        # cut; the centre must not take the new 2-part frame for a duplicate of the old one
        h = Harness(self)
        h.boot()
        old = self._frame_parts(bytes(range(200)))
        new = self._frame_parts(bytes(range(1, 201)), ts=TS2)
        self._receive(h, 1, old[0])
        self._receive(h, 2, old[1])
        first = h.events("message")
        self.assertEqual([(m.message.data, m.complete) for m in first], [(bytes(range(200)), True)])
        h.eng.confirm(first[0].token)
        h.step(b"AT+CMGD=1\r", b"\r\nOK\r\n")
        h.step(b"AT+CMGD=2\r", b"\r\nOK\r\n")
        self._receive(h, 1, new[0])
        self._receive(h, 2, new[1])
        second = h.events("message")
        self.assertEqual([(m.message.data, m.complete) for m in second], [(bytes(range(1, 201)), True)])
        self.assertNotEqual(second[0].key, first[0].key)
        # a network duplicate of a part (same bytes) is still dropped and deleted
        self._receive(h, 3, new[1])
        self.assertEqual(h.events("message"), [])
        h.step(b"AT+CMGD=3\r", b"\r\nOK\r\n")

    def test_reused_reference_replaces_a_stale_incomplete_set(self):
        # the power cut came between the two parts: part 2 of the old frame never comes
        h = Harness(self)
        h.boot()
        old = self._frame_parts(bytes(range(200)))
        new = self._frame_parts(bytes(range(1, 201)), ts=TS2)
        self._receive(h, 1, old[0])
        self._receive(h, 2, new[0])
        stale = h.events("message")
        self.assertEqual([(m.complete, m.reason) for m in stale], [(False, "superseded")])
        h.eng.confirm(stale[0].token)
        h.step(b"AT+CMGD=1\r", b"\r\nOK\r\n")  # the stale part only; the new part stays stored
        self._receive(h, 3, new[1])
        msgs = h.events("message")
        self.assertEqual([(m.message.data, m.complete) for m in msgs], [(bytes(range(1, 201)), True)])
        h.eng.confirm(msgs[0].token)
        h.step(b"AT+CMGD=2\r", b"\r\nOK\r\n")
        h.step(b"AT+CMGD=3\r", b"\r\nOK\r\n")
        h.tx(b"")

    def test_receive_path_is_lenient_and_reports_deviations_without_text(self):
        from lib12333.modem.engine import pdu_warnings_text

        h = Harness(self)
        h.boot()
        part = deliver_hex("社保卡挂失已受理")
        h.rx(b'\r\n+CMTI: "SM",4\r\n')
        h.tx(b"AT+CMGR=4\r")
        # a SIM record: the TPDU padded with FF to 176 octets
        padded = part.hex + "FF" * (175 - len(part.hex) // 2)
        h.rx(("\r\n+CMGR: 0,," + str(part.tpdu_length) + "\r\n" + padded + "\r\n\r\nOK\r\n").encode())
        self.assertEqual([m.message.text for m in h.events("message")], ["社保卡挂失已受理"])
        warned = h.events("pdu-warnings")
        self.assertEqual(len(warned), 1)
        self.assertEqual(warned[0].index, 4)
        self.assertEqual(warned[0].warnings, [(37, "TP-UD", "138 octet(s) of SIM padding FF after the TPDU")])
        line = pdu_warnings_text(warned[0])
        self.assertEqual(line, "received PDU at index 4 decoded leniently: TP-UD @37 138 octet(s) of SIM padding FF "
                               "after the TPDU")
        self.assertFalse("社保" in line)

    def test_duplicate_delivery_given_once_and_copy_deleted(self):
        h = Harness(self)
        h.boot()
        part = deliver_hex("重复")
        h.rx(b'\r\n+CMTI: "SM",1\r\n')
        self.read(h, 1, part)
        first = h.events("message")
        h.rx(b'\r\n+CMTI: "SM",2\r\n')
        self.read(h, 2, part)
        self.assertEqual(h.events("message"), [])
        h.step(b"AT+CMGD=2\r", b"\r\nOK\r\n")  # the copy goes at once
        h.eng.confirm(first[0].token)
        h.step(b"AT+CMGD=1\r", b"\r\nOK\r\n")

    def test_scan_at_init_picks_up_waiting_messages(self):
        h = Harness(self)
        a = deliver_hex("first", ts=TS)
        b = deliver_hex("second", ts=TS2)
        listing = ("\r\n+CMGL: 0,1,," + str(a.tpdu_length) + "\r\n" + a.hex + "\r\n+CMGL: 2,0,,"
                   + str(b.tpdu_length) + "\r\n" + b.hex + "\r\n\r\nOK\r\n").encode()
        h.boot(INIT[:-1] + ((b"AT+CMGL=4\r", listing),))
        self.assertEqual([m.message.text for m in h.events("message")], ["first", "second"])

    def test_direct_delivery_with_cnma(self):
        h = Harness(self, direct=True)
        script = (INIT[:5] + ((b"AT+CSMS=1\r", b"\r\n+CSMS: 1,1,1\r\n\r\nOK\r\n"),) + INIT[5:6]
                  + ((b"AT+CNMI=2,2,0,1,0\r", b"\r\nOK\r\n"),) + INIT[7:])
        h.boot(script)
        part = deliver_hex("direct")
        h.rx(("\r\n+CMT: ," + str(part.tpdu_length) + "\r\n" + part.hex + "\r\n").encode())
        self.assertEqual(h.events("message")[0].message.text, "direct")
        h.step(b"AT+CNMA\r", b"\r\nOK\r\n")

    def test_bad_pdu_reported_not_raised(self):
        h = Harness(self)
        h.boot()
        h.rx(b'\r\n+CMTI: "SM",8\r\n')
        h.tx(b"AT+CMGR=8\r")
        h.rx(b"\r\n+CMGR: 0,,5\r\nZZ00\r\n\r\nOK\r\n")
        bad = h.events("bad-message")
        self.assertEqual(len(bad), 1)
        h.eng.confirm(bad[0].token)
        h.step(b"AT+CMGD=8\r", b"\r\nOK\r\n")


class StorageTest(unittest.TestCase):
    def read(self, h, index, part):
        h.tx(("AT+CMGR=" + str(index) + "\r").encode())
        h.rx(("\r\n+CMGR: 0,," + str(part.tpdu_length) + "\r\n" + part.hex + "\r\n\r\nOK\r\n").encode())

    def test_incomplete_message_given_out_after_timeout(self):
        h = Harness(self, reassembly_timeout=600)
        h.boot()
        text = "社保" * 50
        h.rx(b'\r\n+CMTI: "SM",2\r\n')
        self.read(h, 2, deliver_hex(text, ref=9, seq=1))
        self.assertEqual(h.events("message"), [])
        h.wait(601.0)
        msgs = h.events("message")
        self.assertEqual(len(msgs), 1)
        self.assertFalse(msgs[0].complete)
        self.assertEqual(msgs[0].received, [1])
        self.assertEqual(msgs[0].reason, "timeout")
        self.assertTrue(msgs[0].text.startswith("社保"))
        h.eng.confirm(msgs[0].token)
        h.step(b"AT+CMGD=2\r", b"\r\nOK\r\n")

    def test_held_parts_spilled_when_storage_full(self):
        h = Harness(self)
        h.boot(INIT[:5] + ((b'AT+CPMS="SM","SM","SM"\r', b"\r\n+CPMS: 0,2,0,2,0,2\r\n\r\nOK\r\n"),) + INIT[6:])
        text = "社保" * 50
        h.rx(b'\r\n+CMTI: "SM",0\r\n')
        self.read(h, 0, deliver_hex(text, ref=1, seq=1))
        h.tx(b"")  # one held part, one slot free: keep it on the SIM
        h.rx(b'\r\n+CMTI: "SM",1\r\n')
        self.read(h, 1, deliver_hex(text, ref=2, seq=1))
        spill = h.events("storage")
        self.assertEqual([(e.full, e.spilled) for e in spill], [(True, 2)])
        h.step(b"AT+CMGD=0\r", b"\r\nOK\r\n")
        h.step(b"AT+CMGD=1\r", b"\r\nOK\r\n")
        # the rest still completes the message from RAM
        h.rx(b'\r\n+CMTI: "SM",0\r\n')
        self.read(h, 0, deliver_hex(text, ref=1, seq=2))
        msgs = h.events("message")
        self.assertEqual([m.message.text for m in msgs], [text])
        h.eng.confirm(msgs[0].token)
        h.step(b"AT+CMGD=0\r", b"\r\nOK\r\n")

    def test_slot_refilled_during_delete_is_read(self):
        h = Harness(self)
        h.boot()
        h.rx(b'\r\n+CMTI: "SM",0\r\n')
        self.read(h, 0, deliver_hex("one"))
        h.eng.confirm(h.events("message")[0].token)
        h.tx(b"AT+CMGD=0\r")
        h.rx(b'\r\n+CMTI: "SM",0\r\n\r\nOK\r\n')  # a new message took slot 0 at once
        self.read(h, 0, deliver_hex("two", ts=TS2))
        self.assertEqual([m.message.text for m in h.events("message")], ["two"])


class RebootTest(unittest.TestCase):
    def test_reboot_mid_send_reinit_then_retry(self):
        h = Harness(self)
        h.boot()
        sid = h.eng.send_sms(PEER, "hi", report=False)
        out = h.eng.data_to_send()
        self.assertTrue(out.startswith(b"AT+CMGS="))
        h.rx(b"\r\nRDY\r\n")
        self.assertEqual(len(h.events("reboot")), 1)
        self.assertFalse(h.eng.ready)
        h.tx(b"")  # quiet window
        h.wait(0.6)
        for tx, answer in INIT:
            h.step(tx, answer)
        self.assertEqual(len(h.events("ready")), 1)
        h.resend_succeeds(sid, mr=1)

    def test_registration_events_only_on_change(self):
        h = Harness(self)
        h.boot()
        h.rx(b"\r\n+CREG: 2\r\n+CREG: 2\r\n+CEREG: 1\r\n+CREG: 1\r\n")
        regs = [(e.tech, e.stat, e.registered) for e in h.events("registration")]
        self.assertEqual(regs, [("gsm", 2, False), ("lte", 1, True), ("gsm", 1, True)])


if __name__ == "__main__":
    unittest.main()
