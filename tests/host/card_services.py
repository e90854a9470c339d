"""
Starting what the card transport tests need: pcscd (foreground, our own reader
config) with vpcd and libccidtwin pointed at a CCID serial reader emulator on a pty.

Imported by tests/host/test_card_*.py (fixtures stay out of the shared conftest).
Outside CI a missing package or non-root user skips with the reason; with CI=true
it fails, because the README's test command installs and runs everything.
"""

import os
import shutil
import subprocess
import tempfile
import time

import pytest

VPCD_LIB = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
CCIDTWIN_LIB = "/usr/lib/pcsc/drivers/serial/libccidtwin.so"
VPCD_CONF = (
    'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x8C7B\nLIBPATH %s\nCHANNELID 0x8C7B\n' % VPCD_LIB
)


def missing_reason():
    """Why the pcscd stack cannot run here, or None."""
    if os.geteuid() != 0:
        return "pcscd tests need root (pcscd owns /run/pcscd)"
    if shutil.which("pcscd") is None:
        return "Debian package pcscd is not installed (scripts/apt-packages.txt)"
    for lib, pkg in ((VPCD_LIB, "vsmartcard-vpcd"), (CCIDTWIN_LIB, "libccid")):
        if not os.path.exists(lib) and not os.path.exists(lib + ".0.8"):
            return "Debian package %s is not installed (%s missing)" % (pkg, lib)
    try:
        import smartcard  # noqa: F401
    except ImportError:
        return "pyscard is not installed: pip install -e '.[pcsc]' (needs swig and libpcsclite-dev)"
    if subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode == 0:
        return "another pcscd is already running; these tests start their own"
    return None


def skip_or_fail(reason):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("card transport tests cannot run in CI: " + reason)
    pytest.skip("CARD TRANSPORT TESTS SKIPPED: " + reason)


class PcscdStack:
    """pcscd -f with vpcd and a libccidtwin reader on ``ccid_emulator.port``."""

    def __init__(self, ccid_emulator):
        self.ccid = ccid_emulator
        self.dir = tempfile.mkdtemp(prefix="lib12333-pcscd-")
        self.conf = os.path.join(self.dir, "reader.conf")
        self.log_path = os.path.join(self.dir, "pcscd.log")
        self.proc = None

    def start(self, timeout=20.0):
        from lib12333.host.card.ccid_reader import reader_conf

        with open(self.conf, "w") as f:
            f.write(VPCD_CONF + "\n" + reader_conf(self.ccid.port))
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["pcscd", "-f", "-c", self.conf], stdout=self._log, stderr=subprocess.STDOUT)
        from smartcard.System import readers

        deadline = time.monotonic() + timeout
        names = []
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                names = [str(r) for r in readers()]
            except Exception:
                names = []
            if any("Virtual PCD" in n for n in names) and any("lib12333" in n for n in names):
                return names
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("pcscd did not list both readers (%s); log:\n%s" % (names, self.log()))

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)
