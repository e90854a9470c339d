"""The operation registry, the queue order it sets, and an operation added from outside (CPython and MicroPython)."""

import unittest

from lib12333.errors import LocalProtocolError
from lib12333.modem import events, ops
from lib12333.modem.operation import FIRST, NORMAL, URGENT, Command
from tests.core.test_modem_engine import PEER, Harness


def csq_text(ctx):
    """A new operation as an integrator writes one: one command, one event."""
    r = yield Command("AT+CSQ", "+CSQ:")
    ctx.emit(events.INFO, info={"csq": r.first("+CSQ:") if r.ok else None})


class RegistryTest(unittest.TestCase):
    def test_every_operation_has_a_generator_and_a_priority(self):
        self.assertEqual(sorted(ops.OPERATIONS), ["ack", "delete", "info", "init", "read", "scan", "send", "signal"])
        for name in ops.OPERATIONS:
            factory, priority = ops.OPERATIONS[name]
            with self.subTest(name=name):
                self.assertTrue(callable(factory))
                self.assertIn(priority, (FIRST, URGENT, NORMAL))
        self.assertEqual(ops.OPERATIONS["init"][1], FIRST)
        self.assertEqual([ops.OPERATIONS[n][1] for n in ("read", "delete", "ack")], [URGENT] * 3)
        self.assertEqual([ops.OPERATIONS[n][1] for n in ("send", "info", "scan", "signal")], [NORMAL] * 4)

    def test_queue_order_follows_the_registered_priorities(self):
        h = Harness(self)
        h.boot()
        h.eng.send_sms(PEER, "a")  # runs at once: AT+CMGS in flight
        h.tx(b"AT+CMGS=15\r")
        h.eng.query_info()
        h.eng.scan()
        h.rx(b'\r\n+CMTI: "SM",3\r\n')  # read: before the queries
        h.eng.run("ack")
        h.rx(b'\r\n+CMTI: "SM",4\r\n')  # urgent ones keep their order among themselves
        h.eng.start(h.t)  # init: before everything
        self.assertEqual([op.name for op in h.eng._ops], ["init", "read", "ack", "read", "info", "scan"])
        self.assertEqual(h.eng._op.name, "send")

    def test_a_new_operation_is_one_function_and_one_registry_line(self):
        ops.OPERATIONS["csq_text"] = (csq_text, NORMAL)
        try:
            h = Harness(self)
            h.boot()
            h.eng.run("csq_text")
            h.step(b"AT+CSQ\r", b"\r\n+CSQ: 21,99\r\n\r\nOK\r\n")
            got = h.events(events.INFO)
            self.assertEqual(len(got), 1)
            self.assertEqual(got[0].info, {"csq": "21,99"})
            self.assertTrue(h.eng.idle())
        finally:
            del ops.OPERATIONS["csq_text"]

    def test_signal_operation_reads_csq(self):
        h = Harness(self)
        h.boot()
        h.eng.run("signal")
        h.step(b"AT+CSQ\r", b"\r\n+CSQ: 18,0\r\n\r\nOK\r\n")
        got = h.events(events.INFO)
        self.assertEqual(got[0].info, {"signal": {"rssi": 18, "dbm": -77, "ber": 0}})
        h.eng.run("signal")
        h.step(b"AT+CSQ\r", b"\r\nERROR\r\n")
        self.assertEqual(h.events(events.INFO)[-1].info, {"signal": None})
        self.assertTrue(h.eng.idle())

    def test_unknown_operation_name_is_refused_before_anything_is_queued(self):
        h = Harness(self)
        h.boot()
        with self.assertRaises(LocalProtocolError):
            h.eng.run("no-such-operation")
        self.assertTrue(h.eng.idle())


if __name__ == "__main__":
    unittest.main()
