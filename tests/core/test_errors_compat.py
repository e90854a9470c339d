import unittest

from lib12333 import compat, errors


class TestErrors(unittest.TestCase):
    def test_every_error_is_a_lib12333_error(self):
        for cls in (
            errors.DecodeError, errors.ValidationError, errors.ConfigError, errors.ProtocolError,
            errors.LocalProtocolError, errors.RemoteProtocolError, errors.SecurityError,
            errors.StateError, errors.CapacityError, errors.DeadlineError, errors.DeviceError,
            errors.StorageError,
        ):
            self.assertTrue(issubclass(cls, errors.Lib12333Error), cls.__name__)

    def test_decode_error_says_what_where_expected(self):
        e = errors.DecodeError("reserved coding group", field="TP-DCS", position=12, expected="0x00-0x7F")
        self.assertEqual(str(e), "TP-DCS: reserved coding group; at position 12; expected 0x00-0x7F")
        self.assertEqual(e.field, "TP-DCS")
        self.assertEqual(e.position, 12)
        self.assertEqual(e.expected, "0x00-0x7F")
        self.assertEqual(e.reason, "reserved coding group")

    def test_config_error_names_source_line_and_item(self):
        e = errors.ConfigError("no default rule", source="rules.json", line=7, item="night")
        self.assertEqual(str(e), "rules.json, line 7, 'night': no default rule")
        self.assertTrue(isinstance(e, errors.ValidationError))

    def test_state_and_device_errors(self):
        e = errors.StateError("cannot unblock from a kiosk", state="TEMP_LOST", action="unblock")
        self.assertEqual(str(e), "cannot unblock from a kiosk; state TEMP_LOST; action unblock")
        d = errors.DeviceError("SIM busy", code=515, retryable=True)
        self.assertEqual(str(d), "SIM busy; code 515")
        self.assertTrue(d.retryable)

    def test_catchable_at_the_root(self):
        try:
            raise errors.RemoteProtocolError("unexpected final result")
        except errors.Lib12333Error as e:
            self.assertEqual(str(e), "unexpected final result")


class TestCompat(unittest.TestCase):
    def test_is_int_rejects_bool(self):
        self.assertTrue(compat.is_int(3))
        self.assertFalse(compat.is_int(True))
        self.assertFalse(compat.is_int(3.0))

    def test_bit_length(self):
        self.assertEqual(compat.bit_length(0), 0)
        self.assertEqual(compat.bit_length(1), 1)
        self.assertEqual(compat.bit_length(255), 8)
        self.assertEqual(compat.bit_length(1 << 70), 71)

    def test_int_from_bytes(self):
        self.assertEqual(compat.int_from_bytes(b"\x01\x00"), 256)
        self.assertEqual(compat.int_from_bytes(b"\xff\xfe", signed=True), -2)
        self.assertEqual(compat.int_from_bytes(b"\x7f", signed=True), 127)

    def test_reversed_and_justify(self):
        self.assertEqual(compat.reversed_bytes(b"\x01\x02\x03"), b"\x03\x02\x01")
        self.assertEqual(compat.ljust("ab", 4, "."), "ab..")
        self.assertEqual(compat.rjust("7", 3, "0"), "007")
        self.assertEqual(compat.rjust("1234", 3, "0"), "1234")

    def test_const_and_ordered_dict(self):
        self.assertEqual(compat.const(5), 5)
        d = compat.OrderedDict()
        for k in ("zeta", "alpha", "mid", "beta", "omega"):
            d[k] = 1
        self.assertEqual(list(d.keys()), ["zeta", "alpha", "mid", "beta", "omega"])

    def test_data_path_points_into_the_package(self):
        p = compat.data_path("gbk.bin")
        self.assertTrue(p.endswith("/data/gbk.bin"))
        self.assertTrue("lib12333" in p)
