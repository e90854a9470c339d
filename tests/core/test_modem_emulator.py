"""The sans-IO AT modem emulator (lib12333.modem.emulator): what it answers, what it gives the
network, its timers and fault hooks (CPython and MicroPython).  The host's pty wrapper is tested
in tests/host/test_modem_emulator.py, arbitrary bytes in tests/host/test_modem_emulator_fuzz.py."""

import unittest

from lib12333.modem.emulator import MODELS, ModemEmulator
from lib12333.modem.emulator import modem as M
from lib12333.sms.encode import encode_deliver, encode_submit
from lib12333.sms.scts import Timestamp

CENTRE = "+8610657112333"
STAMP = Timestamp(2026, 11, 18, 10, 0, 0, 480)


def started(faults=None, **options):
    """A module already on with echo off (answers only); ``faults`` hooked in after ATE0."""
    m = ModemEmulator(0.0, "A7670C", started=True, **options)
    m.receive_data(b"ATE0\r", 0.0)
    if faults is not None:
        m.faults = faults
    return m


def ask(m, line, now=0.0):
    return m.receive_data(line.encode() + b"\r", now)


def answer(*lines):
    """Lines as a module prints them one by one (URCs, or one information line and the result)."""
    return b"".join(b"\r\n" + x.encode() + b"\r\n" for x in lines)


def info(*lines):
    """Information lines in one block, then OK."""
    return b"\r\n" + "\r\n".join(lines).encode() + b"\r\n" + answer("OK")


def submit_pdu(text="hello", report=False):
    part = encode_submit(CENTRE, text, srr=report)[0]
    return part.tpdu_length, part.hex


def deliver_pdu(text="answer"):
    part = encode_deliver(CENTRE, STAMP, text)[0]
    return part.pdu, part.tpdu_length


class Scripted:
    """Fault hooks that fire for the names in ``on`` (the host's Faults draws them at random)."""

    def __init__(self, on=(), sim=0.0):
        self.on = on
        self.sim = sim
        self.asked = []

    def hit(self, name):
        self.asked.append(name)
        return name in self.on

    def cms_code(self):
        return 500

    def noise(self):
        return b"\x99\xaa"


class PowerAndLines(unittest.TestCase):
    def test_silent_while_starting_then_the_models_start_up_lines(self):
        m = ModemEmulator(10.0, "EC800N")
        self.assertEqual(m.next_deadline(), 10.0 + M.BOOT_SECONDS)
        self.assertEqual(m.receive_data(b"AT\r", 10.1), b"")  # heard nothing
        self.assertEqual(m.tick(10.2), b"")
        self.assertEqual(m.tick(10.0 + M.BOOT_SECONDS), answer("RDY", "+CPIN: READY", "+QIND: SMS DONE",
                                                                "+QIND: PB DONE"))
        self.assertIsNone(m.next_deadline())
        self.assertEqual(m.receive_data(b"AT\r", 11.0), b"AT\r" + answer("OK"))  # echo on after a start

    def test_every_model_names_itself(self):
        for model in sorted(MODELS):
            with self.subTest(model=model):
                m = ModemEmulator(0.0, model, started=True)
                m.receive_data(b"ATE0\r", 0.0)
                self.assertEqual(ask(m, "AT+CGMM"), answer(MODELS[model][1], "OK"))

    def test_a_line_arrives_in_pieces_with_noise_and_a_backspace(self):
        m = started()
        self.assertEqual(m.receive_data(b"\x1b\x00A", 0.0), b"")
        self.assertEqual(m.receive_data(b"T+CSQX\x08", 0.0), b"")
        self.assertEqual(m.receive_data(b"\r\n", 0.0), answer("+CSQ: 21,99", "OK"))

    def test_unknown_commands_answer_as_cmee_asks(self):
        m = started()
        self.assertEqual(ask(m, "AT+NOPE"), answer("ERROR"))
        ask(m, "AT+CMEE=1")
        self.assertEqual(ask(m, "AT+NOPE"), answer("+CME ERROR: 4"))
        ask(m, "AT+CMEE=2")
        self.assertEqual(ask(m, "AT+NOPE"), answer("+CME ERROR: operation not supported"))
        self.assertEqual(ask(m, "AT+CMEE=7"), answer("+CME ERROR: operation not supported"))
        self.assertEqual(ask(m, "HELLO"), answer("ERROR"))  # not a command line at all

    def test_identity_and_the_family_iccid_commands(self):
        m = started()
        self.assertEqual(ask(m, "AT+CGSN"), answer(m.imei, "OK"))
        self.assertEqual(ask(m, "AT+CICCID"), answer("+ICCID: " + m.iccid, "OK"))
        self.assertEqual(ask(m, "AT+QCCID"), answer("+QCCID: " + m.iccid, "OK"))
        self.assertEqual(len(m.imei), 15)
        self.assertTrue(m.iccid.startswith("898600"))

    def test_signal_and_registration(self):
        m = started()
        self.assertEqual(ask(m, "AT+CSQ"), answer("+CSQ: 21,99", "OK"))
        self.assertEqual(ask(m, "AT+CSQ=?"), answer("+CSQ: (0-31,99),(0-7,99)", "OK"))
        ask(m, "AT+CREG=1")
        m.set_registered(False)
        self.assertEqual(m.data_to_send(), answer("+CREG: 2"))
        self.assertEqual(ask(m, "AT+CSQ"), answer("+CSQ: 99,99", "OK"))
        self.assertEqual(ask(m, "AT+CREG?"), answer("+CREG: 1,2", "OK"))

    def test_cfun_restart_answers_then_restarts_with_defaults(self):
        m = started()
        self.assertEqual(ask(m, "AT+CFUN=1,1", 1.0), answer("OK"))
        m.tick(1.0 + 0.05)
        self.assertFalse(m.powered)
        self.assertEqual(m.stats["reboots"], 1)
        m.tick(1.1)
        lines = m.tick(1.1 + M.BOOT_SECONDS)
        self.assertEqual(lines, answer(*MODELS["A7670C"][3]))
        self.assertTrue(m.echo)


class Sending(unittest.TestCase):
    def test_cmgs_prompt_pdu_and_what_the_network_gets(self):
        m = started()
        length, pdu = submit_pdu()
        self.assertEqual(ask(m, "AT+CMGS=%d" % length), b"\r\n> ")
        self.assertEqual(m.receive_data(pdu.encode() + b"\x1a", 0.0), answer("+CMGS: 1", "OK"))
        events = m.take_network_events()
        self.assertEqual(len(events), 1)
        kind, mr, tpdu, sms = events[0]
        self.assertEqual((kind, mr, sms.type, sms.number, sms.text), ("submit", 1, "SMS-SUBMIT", CENTRE, "hello"))
        self.assertEqual(tpdu.hex().upper(), pdu[2:])  # the kiosk's PDU without its empty SMSC octet
        self.assertEqual(m.take_network_events(), [])
        self.assertEqual(m.stats["submitted"], 1)

    def test_a_pdu_that_disagrees_with_its_length_is_refused(self):
        m = started()
        length, pdu = submit_pdu()
        ask(m, "AT+CMGS=%d" % (length + 1))
        self.assertEqual(m.receive_data(pdu.encode() + b"\x1a", 0.0), answer("+CMS ERROR: 304"))
        ask(m, "AT+CMGS=%d" % length)
        self.assertEqual(m.receive_data(b"00ZZ\x1a", 0.0), answer("+CMS ERROR: 304"))
        self.assertEqual(ask(m, "AT+CMGS=3"), answer("+CMS ERROR: 304"))
        self.assertEqual(m.take_network_events(), [])

    def test_escape_leaves_pdu_entry_without_sending(self):
        m = started()
        length, pdu = submit_pdu()
        ask(m, "AT+CMGS=%d" % length)
        self.assertEqual(m.receive_data(pdu[:10].encode() + b"\x1b", 0.0), answer("OK"))
        self.assertEqual(m.take_network_events(), [])
        self.assertEqual(ask(m, "AT"), answer("OK"))  # back to commands

    def test_off_the_network_the_submit_fails_with_331(self):
        m = started()
        m.set_registered(False)
        length, pdu = submit_pdu()
        ask(m, "AT+CMGS=%d" % length)
        self.assertEqual(m.receive_data(pdu.encode() + b"\x1a", 0.0), answer("+CMS ERROR: 331"))


class Receiving(unittest.TestCase):
    def test_stored_delivery_cmti_read_once_then_deleted(self):
        m = started()
        ask(m, "AT+CNMI=2,1,0,2,0")
        pdu, tlen = deliver_pdu()
        self.assertTrue(m.deliver(pdu, tlen, 0.0))
        self.assertEqual(m.data_to_send(), answer('+CMTI: "SM",0'))
        hexpdu = pdu.hex().upper()
        self.assertEqual(ask(m, "AT+CMGR=0"), info("+CMGR: 0,,%d" % tlen, hexpdu))
        self.assertEqual(ask(m, "AT+CMGL=4"), info("+CMGL: 0,1,,%d" % tlen, hexpdu))  # now read
        self.assertEqual(ask(m, "AT+CPMS?"), answer('+CPMS: "SM",1,30,"SM",1,30,"SM",1,30', "OK"))
        self.assertEqual(ask(m, "AT+CMGD=0"), answer("OK"))
        self.assertEqual(m.take_network_events(), [("freed",)])
        self.assertEqual(m.store.mems["SM"], {})
        self.assertEqual(ask(m, "AT+CMGR=0"), answer("OK"))  # an empty index
        self.assertEqual(ask(m, "AT+CMGR=30"), answer("+CMS ERROR: 321"))

    def test_full_storage_refuses_so_that_the_network_retries(self):
        m = started(capacity=2)
        pdu, tlen = deliver_pdu()
        self.assertEqual([m.deliver(pdu, tlen, 0.0) for _ in range(3)], [True, True, False])
        self.assertEqual(sorted(m.store.mems["SM"]), [0, 1])
        self.assertEqual(m.data_to_send(), b"")  # CNMI 0: stored silently

    def test_direct_delivery_is_acknowledged_or_stored_after_the_timeout(self):
        m = started()
        ask(m, "AT+CSMS=1")
        ask(m, "AT+CNMI=2,2,0,1,0")
        pdu, tlen = deliver_pdu()
        self.assertTrue(m.deliver(pdu, tlen, 1.0))
        self.assertEqual(m.data_to_send(), answer("+CMT: ,%d" % tlen, pdu.hex().upper()))
        self.assertEqual(ask(m, "AT+CNMA", 2.0), answer("OK"))
        self.assertEqual(ask(m, "AT+CNMA", 2.0), answer("+CMS ERROR: 340"))  # nothing left to acknowledge
        self.assertTrue(m.deliver(pdu, tlen, 3.0))
        m.data_to_send()
        m.tick(3.0 + 10.0)
        self.assertEqual(m.store.mems["SM"], {0: [0, pdu.hex().upper(), tlen]})

    def test_nothing_arrives_while_off_the_network(self):
        m = started()
        m.set_registered(False)
        pdu, tlen = deliver_pdu()
        self.assertFalse(m.deliver(pdu, tlen, 0.0))
        self.assertFalse(m.can_receive(0.0))


class CommandLines(unittest.TestCase):
    """V.250 command-line rules a host may lean on: ``;`` between commands, ``A/``."""

    def test_commands_joined_with_semicolons_run_in_turn_with_one_result(self):
        m = started()
        self.assertEqual(ask(m, "AT+CMGF=0;+CNMI=2,1"), answer("OK"))
        self.assertEqual(m.cnmi, [2, 1, 0, 0, 0])
        self.assertEqual(ask(m, "AT+CSQ;+CGMM;"), info("+CSQ: 21,99", "A7670C-LASE"))
        self.assertEqual(ask(m, 'AT+CSCA="+86;1",145;+CSCA?'), info('+CSCA: "+86;1",145'))

    def test_an_error_stops_the_rest_of_the_line(self):
        m = started()
        self.assertEqual(ask(m, "AT+CMEE=1;+NOPE;+CMEE=0"), answer("+CME ERROR: 4"))
        self.assertEqual(m.cmee, 1)

    def test_a_slash_repeats_the_last_line_without_a_carriage_return(self):
        m = started()
        ask(m, "AT+CSQ")
        self.assertEqual(m.receive_data(b"a/", 0.0), answer("+CSQ: 21,99", "OK"))
        self.assertEqual(m.receive_data(b"A", 0.0), b"")

    def test_parameters_out_of_their_range_are_refused_and_change_nothing(self):
        m = started()
        ask(m, "AT+CNMI=2,1")
        for line in ("AT+CNMI=9", "AT+CNMI=2,4", "AT+CNMI=2,1,0,0,3", "AT+CMGL=5", "AT+CMGD=0,5", "AT+CMGD=0,-1"):
            with self.subTest(line=line):
                self.assertEqual(ask(m, line), answer("ERROR"))
        self.assertEqual(m.cnmi, [2, 1, 0, 0, 0])


class PowerCycles(unittest.TestCase):
    def test_a_reboot_while_starting_prints_the_start_up_lines_once(self):
        m = ModemEmulator(0.0, "A7670C")
        m.reboot(0.1)
        out = m.tick(0.3) + m.tick(1.0) + m.tick(2.0)
        self.assertEqual(out, answer(*MODELS["A7670C"][3]))
        self.assertIsNone(m.next_deadline())

    def test_a_direct_delivery_waiting_for_cnma_survives_a_reboot(self):
        m = started()
        ask(m, "AT+CSMS=1")
        ask(m, "AT+CNMI=2,2")
        pdu, tlen = deliver_pdu()
        self.assertTrue(m.deliver(pdu, tlen, 1.0))  # the network counts it delivered
        m.reboot(2.0)
        m.tick(20.0)
        self.assertEqual(m.store.mems["SM"], {0: [0, pdu.hex().upper(), tlen]})

    def test_indications_wait_while_a_pdu_is_typed(self):
        m = started()
        ask(m, "AT+CNMI=2,1")
        length, hexpdu = submit_pdu()
        self.assertEqual(ask(m, "AT+CMGS=%d" % length), b"\r\n> ")
        pdu, tlen = deliver_pdu()
        self.assertTrue(m.deliver(pdu, tlen, 0.0))
        self.assertEqual(m.data_to_send(), b"")  # not inside the prompt
        self.assertEqual(m.receive_data(hexpdu.encode() + b"\x1a", 0.0),
                         answer("+CMGS: 1", "OK", '+CMTI: "SM",0'))


class FaultHooks(unittest.TestCase):
    def test_drop_leaves_a_command_unanswered(self):
        m = started(faults=Scripted(on=("drop",)))
        self.assertEqual(ask(m, "AT"), b"")

    def test_cms_fault_fails_the_submit_with_the_code_given(self):
        m = started(faults=Scripted(on=("cms",)))
        length, pdu = submit_pdu()
        ask(m, "AT+CMGS=%d" % length)
        self.assertEqual(m.receive_data(pdu.encode() + b"\x1a", 0.0), answer("+CMS ERROR: 500"))
        self.assertEqual(m.take_network_events(), [])

    def test_garbage_and_storm_follow_the_answer(self):
        m = started(faults=Scripted(on=("garbage", "storm")))
        out = ask(m, "AT")
        self.assertTrue(out.startswith(answer("OK") + b"\r\n\x99\xaa\r\n"))
        self.assertEqual(out.count(b"RING"), 5)

    def test_urcdrop_stores_without_telling(self):
        m = started(faults=Scripted(on=("urcdrop",)))
        ask(m, "AT+CNMI=2,1")
        pdu, tlen = deliver_pdu()
        self.assertTrue(m.deliver(pdu, tlen, 0.0))
        self.assertEqual(m.data_to_send(), b"")
        self.assertEqual(len(m.store.mems["SM"]), 1)

    def test_a_slow_sim_is_busy_then_ready(self):
        m = ModemEmulator(0.0, "SIM7600CE", faults=Scripted(sim=2.0))
        self.assertEqual(m.tick(M.BOOT_SECONDS), answer("RDY", "SMS DONE", "PB DONE"))
        m.receive_data(b"ATE0\r", 0.5)
        self.assertEqual(ask(m, "AT+CPIN?", 1.0), answer("ERROR"))
        self.assertEqual(ask(m, "AT+CPMS?", 1.0), answer("+CMS ERROR: 314"))
        self.assertEqual(m.tick(2.0), answer("+CPIN: READY"))
        self.assertEqual(ask(m, "AT+CPIN?", 2.0), answer("+CPIN: READY", "OK"))

    def test_reboot_and_unreg(self):
        m = started(faults=Scripted(on=("reboot",)))
        self.assertEqual(ask(m, "AT", 5.0), b"")
        self.assertFalse(m.powered)
        m = started(faults=Scripted(on=("unreg",)))
        ask(m, "AT+CREG=1")  # answered, then off the network for a second
        self.assertFalse(m.registered)
        self.assertEqual(m.tick(0.0 + M.UNREG_SECONDS), answer("+CREG: 1"))
        self.assertTrue(m.registered)


if __name__ == "__main__":
    unittest.main()
