"""CCID messages in the GemPC Twin serial framing (CPython and MicroPython)."""

import unittest

from lib12333.card import apdu, ccid
from lib12333.errors import DecodeError, DeviceError, LocalProtocolError, RemoteProtocolError
from tests.core.support import decode_error, read_json

VECTORS = read_json("protocols/card/vectors.json")
ATR = apdu.from_hex("3B6D00000081")


class Messages(unittest.TestCase):
    def test_header_layout(self):
        m = ccid.xfr_block(0, 7, b"\x00\x84\x00\x00\x08", level=0x0102)
        self.assertEqual(m, b"\x6f\x05\x00\x00\x00\x00\x07\x00\x02\x01\x00\x84\x00\x00\x08")
        p = ccid.parse_message(m)
        self.assertEqual((p.type, p.slot, p.seq, p.data), (0x6F, 0, 7, b"\x00\x84\x00\x00\x08"))
        self.assertEqual(ccid.icc_power_on(0, 1, 1), b"\x62\x00\x00\x00\x00\x00\x01\x01\x00\x00")

    def test_parse_errors(self):
        for raw in (b"\x6f\x00", b"\x10" + bytes(9), b"\x6f\x01\x00\x00\x00" + bytes(5)):
            with self.subTest(raw=raw):
                with self.assertRaises(DecodeError):
                    ccid.parse_message(raw)
        with self.assertRaises(LocalProtocolError):
            ccid.xfr_block(0, 0, bytes(262))
        with self.assertRaises(LocalProtocolError):
            ccid.message(0x6F, 0, 256)

    def test_frame_lrc(self):
        f = ccid.frame(ccid.escape(0, 0, b"\x02"))
        self.assertEqual(f[:2], b"\x03\x06")
        x = 0
        for b in f:
            x ^= b
        self.assertEqual(x, 0)

    def test_vectors(self):
        dec = ccid.SerialDecoder()
        for v in VECTORS["ccid_serial"]:
            with self.subTest(name=v["name"]):
                events = dec.feed(apdu.from_hex(v["hex"]))
                self.assertEqual(len(events), 1)
                if "message" in v:
                    self.assertEqual(events[0], ("frame", apdu.from_hex(v["message"])))


class Decoder(unittest.TestCase):
    def test_split_across_feeds_and_events(self):
        dec = ccid.SerialDecoder()
        msg = ccid.data_block(0, 3, 0, 0, ATR)
        wire = b"\x85" + ccid.slot_change(True) + ccid.frame(msg) + ccid.NAK_FRAME
        events = []
        for i in range(len(wire)):
            events.extend(dec.feed(wire[i:i + 1]))
        self.assertEqual(events, [("time", 0x85), ("slot", True), ("frame", msg), ("nak", None)])
        self.assertEqual(dec.pending(), 0)

    def test_errors_with_stream_position(self):
        good = ccid.frame(ccid.slot_status(0, 1, 0))
        cases = (
            (b"\x04", 0, "CCID serial SYNC"),
            (b"\x03\x07", 1, "CCID serial CTRL"),
            (b"\x03\x15\x00", 2, "CCID serial NAK"),
            (good[:-1] + bytes((good[-1] ^ 1,)), len(good) - 1, "CCID serial LRC"),
            (b"\x03\x06\x80\xff\xff\x00\x00", 3, "CCID dwLength"),
            (b"\x50\x07", 1, "CCID NotifySlotChange"),
        )
        for raw, pos, field in cases:
            with self.subTest(field=field):
                dec = ccid.SerialDecoder()
                e = decode_error(dec.feed, raw)
                self.assertEqual((e.position, e.field), (pos, field))
                # the decoder recovers on the next good frame
                self.assertEqual(dec.feed(good), [("frame", good[2:-1])])

    def test_reader_side_rejects_events(self):
        with self.assertRaises(DecodeError):
            ccid.SerialDecoder(accept_events=False).feed(b"\x50\x02")


class Host(unittest.TestCase):
    def test_power_on_with_echo_time_extension_and_nak(self):
        h = ccid.CcidHost()
        wire = h.power_on()
        self.assertEqual(wire, ccid.frame(ccid.icc_power_on(0, 0)))
        self.assertTrue(h.busy)
        self.assertEqual(h.feed(ccid.NAK_FRAME), ("send", wire))
        self.assertIsNone(h.feed(wire))  # echo
        self.assertIsNone(h.feed(ccid.frame(ccid.data_block(0, 0, ccid.status_byte(0, 2), 1))))
        self.assertEqual(h.feed(b"\x50\x03" + ccid.frame(ccid.data_block(0, 0, 0, 0, ATR))), ("done", ATR))
        self.assertTrue(h.card_present)
        self.assertFalse(h.busy)

    def test_xfr_block_and_sequence(self):
        h = ccid.CcidHost()
        h.power_on()
        h.feed(ccid.frame(ccid.data_block(0, 0, 0, 0, ATR)))
        wire = h.xfr_block(b"\x00\x84\x00\x00\x08")
        self.assertEqual(wire[2 + 6], 1)  # bSeq 1
        self.assertEqual(h.feed(ccid.frame(ccid.data_block(0, 1, 0, 0, b"\x61\x08"))), ("done", b"\x61\x08"))
        h.slot_status()
        self.assertEqual(h.feed(ccid.frame(ccid.slot_status(0, 2, 1))), ("done", 1))

    def test_failures(self):
        cases = (
            (ccid.data_block(0, 0, ccid.status_byte(2, 1), ccid.ERR_ICC_MUTE), "no-card"),
            (ccid.data_block(0, 0, ccid.status_byte(0, 1), ccid.ERR_ICC_MUTE), "mute"),
            (ccid.data_block(0, 0, ccid.status_byte(0, 1), ccid.ERR_HW), "reader"),
        )
        for answer, code in cases:
            with self.subTest(code=code):
                h = ccid.CcidHost()
                h.power_on()
                try:
                    h.feed(ccid.frame(answer))
                except DeviceError as e:
                    self.assertEqual(e.code, code)
                else:
                    self.fail("no DeviceError")

    def test_protocol_violations(self):
        for answer in (ccid.data_block(0, 9, 0), ccid.slot_status(0, 0, 0), ccid.data_block(1, 0, 0),
                       ccid.get_slot_status(0, 0), ccid.data_block(0, 0, 3)):
            with self.subTest(answer=answer):
                h = ccid.CcidHost()
                h.power_on()
                with self.assertRaises(RemoteProtocolError):
                    h.feed(ccid.frame(answer))

    def test_misuse(self):
        h = ccid.CcidHost()
        with self.assertRaises(LocalProtocolError):
            h.feed(b"")
        h.power_on()
        with self.assertRaises(LocalProtocolError):
            h.power_off()
        h.abandon()
        self.assertFalse(h.busy)

    def test_endless_nak(self):
        h = ccid.CcidHost(max_nak=2)
        h.power_on()
        with self.assertRaises(RemoteProtocolError):
            h.feed(ccid.NAK_FRAME * 3)


if __name__ == "__main__":
    unittest.main()
