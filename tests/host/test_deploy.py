"""
Deployment: atomic A/B installation, verification, provisioning, rollback.

Two kinds of device:
- ``MemoryDevice``, an in-memory flash that can lose power after any operation,
  so the installer is cut at *every* step of a deployment;
- the virtual board (real MicroPython behind a pty speaking the raw REPL,
  ``tests/mp/virtual_board.py``), driven through mpremote's serial transport
  exactly as a technician's laptop drives a USB board, and cut at sampled points.
After every cut the board must boot the old or the new version, complete.
"""

import hashlib
import json
import os
import random
import subprocess
import sys

import pytest

from lib12333.errors import ConfigError, DeviceError, StorageError
from lib12333.host.deploy import bundle as bundle_mod
from lib12333.host.deploy import installer
from lib12333.host.deploy.bundle import Bundle, BundleFile
from lib12333.host.deploy.device import DeviceLost, SerialDevice, describe_mpy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "mp"))
from virtual_board import VirtualBoard  # noqa: E402

pytestmark = pytest.mark.slow  # real MicroPython deploys: ~110 s


class MemoryDevice(SerialDevice):
    """A flash file system in a dict; ``cut_after`` operations, then the power is gone."""

    def __init__(self, files=None, cut_after=None):
        self.files = dict(files or {})
        self.dirs = set(["/"])
        for path in self.files:
            self._add_parents(path)
        self.ops = 0
        self.cut_after = cut_after
        self.open_file = None

    def _add_parents(self, path):
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.dirs.add("/" + "/".join(parts[:i]))

    def _tick(self):
        if self.cut_after is not None and self.ops >= self.cut_after:
            raise DeviceLost("power cut")
        self.ops += 1

    # The primitive operations the installer's helpers are built on.
    def write_file(self, path, data, chunk=64):
        self._tick()
        self.files[path] = b""  # open(..., 'wb') truncates at once
        self._add_parents(path)
        for i in range(0, len(data), chunk):
            self._tick()
            self.files[path] += data[i : i + chunk]
        self._tick()

    def sha256(self, path):
        self._tick()
        return hashlib.sha256(self.files[path]).hexdigest() if path in self.files else None

    def read_text(self, path):
        self._tick()
        return self.files[path].decode() if path in self.files else None

    def makedirs(self, path):
        self._tick()
        self.dirs.add(path)
        self._add_parents(path + "/x")

    def listdir(self, path):
        self._tick()
        prefix = path.rstrip("/") + "/"
        names = set()
        for p in list(self.files) + list(self.dirs):
            if p.startswith(prefix) and len(p) > len(prefix):
                names.add(p[len(prefix):].split("/")[0])
        return sorted(names)

    def rename(self, old, new):
        self._tick()
        self.files[new] = self.files.pop(old)

    def remove_tree(self, path):
        for p in sorted(self.files):
            if p == path or p.startswith(path + "/"):
                self._tick()
                del self.files[p]
        self.dirs = set(d for d in self.dirs if not (d == path or d.startswith(path + "/")))

    def exec(self, code):
        raise AssertionError("MemoryDevice runs no code")

    def boots(self):
        """Run the real boot selector against this flash, as the board does at power-on."""
        flash = self.files

        class _File:
            def __init__(self, data):
                self.data = data

            def read(self):
                return self.data.decode()

            def close(self):
                pass

            def __enter__(self):
                return self

            def __exit__(self, *a):
                pass

        def fake_open(path, mode="r"):
            if path not in flash:
                raise OSError(2, path)
            return _File(flash[path])

        namespace = {"open": fake_open, "__name__": "boot"}
        saved = list(sys.path)
        try:
            exec(installer.BOOT_PY, namespace)
        finally:
            sys.path[:] = saved
        return namespace["LIB12333_VERSION"]

    def version_files(self, version):
        prefix = "/apps/%s/" % version
        return dict((p[len(prefix):], d) for p, d in self.files.items() if p.startswith(prefix) and not p.endswith("MANIFEST"))


def small_bundle(tag):
    files = [
        BundleFile("lib12333/__init__.mpy", b"init " + tag),
        BundleFile("lib12333/errors.mpy", b"errors " * 40 + tag),
        BundleFile("firmware/main.mpy", b"main " * 30 + tag),
        BundleFile("lib12333/data/table.bin", bytes(range(200)) + tag),
    ]
    return Bundle(files, board=None, compiled_with="test")


def files_of(bundle):
    return dict((f.path, f.data) for f in bundle.files)


def test_fresh_install_then_upgrade_then_rollback_in_memory():
    old, new = small_bundle(b"v1"), small_bundle(b"v2")
    dev = MemoryDevice()
    result = installer.install(dev, old, provision={"device_id": 1001, "key": b"k" * 16})
    assert result["version"] == old.version and result["uploaded"] == 4
    assert dev.boots() == old.version
    assert json.loads(dev.files["/config/device.json"]) == {"device_id": 1001}
    assert dev.files["/config/key.bin"] == b"k" * 16
    result = installer.install(dev, new)
    assert (result["version"], result["previous"]) == (new.version, old.version)
    assert dev.boots() == new.version
    assert dev.version_files(new.version) == files_of(new)
    assert installer.rollback(dev) == {"active": old.version, "previous": new.version}
    assert dev.boots() == old.version
    # A re-run of an installed version uploads nothing.
    assert installer.install(dev, old)["uploaded"] == 0


def test_a_cut_at_every_operation_leaves_old_or_complete_new_and_resume_finishes():
    old, new = small_bundle(b"v1"), small_bundle(b"v2")
    base = MemoryDevice()
    installer.install(base, old)
    counter = MemoryDevice(base.files)
    installer.install(counter, new)
    total_ops = counter.ops
    assert total_ops > 40
    outcomes = set()
    for cut in range(total_ops):
        dev = MemoryDevice(base.files, cut_after=cut)
        with pytest.raises(DeviceLost):
            installer.install(dev, new)
        booted = dev.boots()
        assert booted in (old.version, new.version), cut
        expected = files_of(old) if booted == old.version else files_of(new)
        assert dev.version_files(booted) == expected, "cut after %d ops boots a mixed version" % cut
        outcomes.add(booted)
        dev.cut_after = None  # power back, run the same deployment again
        result = installer.install(dev, new)
        assert dev.boots() == new.version and dev.version_files(new.version) == files_of(new)
        assert result["uploaded"] <= len(new.files)
    assert outcomes == set([old.version, new.version])


def test_a_corrupted_upload_is_refused_before_the_switch():
    old, new = small_bundle(b"v1"), small_bundle(b"v2")
    dev = MemoryDevice()
    installer.install(dev, old)

    class Flaky(MemoryDevice):
        def write_file(self, path, data, chunk=64):
            if path.endswith("errors.mpy"):
                data = data[:-1] + b"X"  # a bit flipped on the way
            MemoryDevice.write_file(self, path, data, chunk)

    flaky = Flaky(dev.files)
    with pytest.raises(StorageError):
        installer.install(flaky, new)
    assert flaky.boots() == old.version


def test_rollback_without_previous_version_is_a_clear_error():
    dev = MemoryDevice()
    installer.install(dev, small_bundle(b"v1"))
    with pytest.raises(DeviceError):
        installer.rollback(dev)


def test_compatibility_checks():
    ok = {"micropython": "1.27.0", "mpy_major": 6, "mpy_sub": 3, "arch": "xtensawin", "platform": "esp32"}
    installer.check_compatibility(ok, {"name": "esp32s3", "arch": "xtensawin"})
    with pytest.raises(ConfigError):
        installer.check_compatibility(dict(ok, micropython="1.19.1"), None)
    with pytest.raises(ConfigError):
        installer.check_compatibility(dict(ok, mpy_major=5), None)
    with pytest.raises(ConfigError):
        installer.check_compatibility(ok, {"name": "rp2040", "arch": "armv6m"})
    assert describe_mpy(774) == (6, 3, None)
    assert describe_mpy(6 | 3 << 8 | 10 << 10) == (6, 3, "xtensawin")


# --- the real thing: MicroPython behind a pty, mpremote's transport --------------------------


@pytest.fixture()
def board(tmp_path):
    vb = VirtualBoard(str(tmp_path / "flash")).power_on()
    yield vb
    vb.close()


def connect(vb):
    return SerialDevice(vb.port, timeout=5)


class CuttingDevice(SerialDevice):
    """A real serial device whose board loses power before its N-th command."""

    def __init__(self, vb, cut_at):
        SerialDevice.__init__(self, vb.port, timeout=5)
        self.vb = vb
        self.count = 0
        self.cut_at = cut_at

    def exec(self, code):
        self.count += 1
        if self.count == self.cut_at:
            self.vb.power_cut()
            raise DeviceLost("power cut before command %d" % self.count)
        return SerialDevice.exec(self, code)


def test_core_bundle_deploys_to_real_micropython_and_imports(board):
    build = bundle_mod.build(board=None, arch=None)
    assert any(f.path == "lib12333/errors.mpy" for f in build.files)
    dev = connect(board)
    try:
        result = installer.install(dev, build, provision={"device_id": 571001, "key": bytes(range(16))})
        assert result["version"] == build.version
        assert installer.verify_version(dev, build.version) == []
        assert installer.booted_version(dev) == build.version
        # The compiled core really runs on the board.
        out = dev.exec(
            "import sys\nsys.path.insert(0, '/apps/%s')\nfrom lib12333 import errors\n"
            "print(str(errors.DecodeError('bad', field='F', position=3)))" % build.version
        ).strip()
        assert out == "F: bad; at position 3"
        assert dev.read_text("/config/device.json") == '{"device_id": 571001}'
    finally:
        dev.close()


def test_cli_dry_run_status_and_rollback_on_real_micropython(board):
    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "lib12333", "deploy", "--port", board.port] + list(args),
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )

    plan = cli("--dry-run", "--json")
    assert plan.returncode == 0, plan.stderr
    data = json.loads(plan.stdout)
    assert data["installed"]["active"] is None
    assert [s["action"] for s in data["steps"]].count("upload") == data["files"]
    assert connect_and(board, lambda d: d.listdir("/")) == ["dev", "home", "proc", "tmp"]  # nothing written

    bad = cli("--device-id", "K1", "--key-hex", "00" * 16)
    assert bad.returncode == 3 and "device id must be a number" in bad.stderr
    done = cli("--device-id", "7", "--key-hex", "00" * 16, "--json")
    assert done.returncode == 0, done.stderr
    version = json.loads(done.stdout)["version"]
    status = cli("status", "--verify", "--json")
    s = json.loads(status.stdout)
    assert (s["active"], s["booted"], s["problems"], s["device_id"]) == (version, version, [], 7)
    assert "00" * 16 not in done.stdout + done.stderr + status.stdout  # the key is never shown
    rollback = cli("rollback")
    assert rollback.returncode == 5 and "no previous version" in rollback.stderr


def connect_and(vb, fn):
    dev = connect(vb)
    try:
        return fn(dev)
    finally:
        dev.close()


def test_power_cuts_on_real_micropython_boot_old_or_new(board):
    old, new = small_bundle(b"v1"), small_bundle(b"v2")
    connect_and(board, lambda d: installer.install(d, old))
    counter = CuttingDevice(board, cut_at=10**9)
    installer.install(counter, new)
    total = counter.count
    counter.close()

    def back_to_old(dev):
        # Every experiment starts from the same flash: only the old version, no previous.
        if installer.booted_version(dev) != old.version:
            installer.rollback(dev)
        installer.clean(dev, keep=(old.version,))
        dev.remove_tree("/previous")

    connect_and(board, back_to_old)
    rng = random.Random(12333)
    points = sorted(set([1, 2, total // 2, total - 2, total - 1, total] + rng.sample(range(3, total - 2), 5)))
    outcomes = set()
    for cut in points:
        dev = CuttingDevice(board, cut_at=cut)
        with pytest.raises(DeviceLost):
            installer.install(dev, new)
        dev.close()
        board.power_on()
        dev = connect(board)
        try:
            booted = installer.booted_version(dev)
            assert booted in (old.version, new.version), cut
            assert installer.verify_version(dev, booted) == [], "cut before command %d" % cut
            outcomes.add(booted)
            back_to_old(dev)
        finally:
            dev.close()
    assert outcomes == set([old.version, new.version])


def test_deploying_over_a_running_kiosk_uses_the_maintenance_flag(board):
    """A running kiosk's watchdog cannot be stopped: deploy reboots it into maintenance first."""
    build = bundle_mod.build(board=None)
    assert any(f.path == "firmware/main.mpy" for f in build.files)
    dev = connect(board)
    try:
        installer.install(dev, build, with_main=True)
        # The kiosk "runs": firmware.main is loaded, as after main.py started it.
        dev.exec("import sys\nsys.path.insert(0, '/apps/%s')\nimport firmware.main" % build.version)
        assert installer.kiosk_running(dev)
        installer.set_maintenance(dev, True)
        # With the flag set, run() starts nothing (no board, no watchdog) and returns at once.
        out = dev.exec("firmware.main.run()").strip()
        assert out == "lib12333: maintenance flag present, kiosk not started"
        assert dev.hard_reset() is False  # the virtual board has no machine.reset(); real boards do
    finally:
        dev.close()
    proc = subprocess.run([sys.executable, "-m", "lib12333", "deploy", "status", "--port", board.port, "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert json.loads(proc.stdout)["maintenance"] is True
    dev = connect(board)
    try:
        installer.set_maintenance(dev, False)
        assert dev.sha256(installer.MAINTENANCE_FLAG) is None
    finally:
        dev.close()


def test_an_unreachable_port_is_an_io_error():
    proc = subprocess.run([sys.executable, "-m", "lib12333", "deploy", "status", "--port", "/dev/nonexistent-tty",
                           "--timeout", "1"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 4 and "cannot open a raw REPL" in proc.stderr


def test_deploy_registers_the_device_with_the_gateway(board, tmp_path):
    from lib12333.host.gateway import admin, db

    gw = str(tmp_path / "centre.db")
    site = tmp_path / "site.json"
    site.write_text(json.dumps({"hall": "西湖区服务大厅", "region": "330106", "centre_number": "+8610657112333"}))

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "lib12333", "deploy", "--port", board.port] + list(args),
                              cwd=ROOT, capture_output=True, text=True, timeout=300)

    done = cli("--device-id", "4242", "--site", str(site), "--gateway-db", gw, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["gateway"] == "registered"
    conn = db.connect(gw)
    rows = admin.list_devices(conn)
    assert [(r["device_id"], r["name"], r["region"]) for r in rows] == [(4242, "西湖区服务大厅", "330106")]
    key = bytes(conn.execute("SELECT key FROM devices").fetchone()[0])
    dev = connect(board)
    try:  # the board got the same key the gateway has, and the key was never printed
        assert dev.sha256("/config/key.bin") == hashlib.sha256(key).hexdigest()
    finally:
        dev.close()
    assert key.hex() not in done.stdout + done.stderr
    # The same id with another key is refused before the board is touched.
    again = cli("--device-id", "4242", "--key-hex", "11" * 16, "--gateway-db", gw)
    assert again.returncode == 3 and "another key" in again.stderr


def test_skip_frozen_leaves_out_frozen_code_but_keeps_data():
    full = bundle_mod.build(board=bundle_mod.load_board("esp32s3_a7670c"))
    lean = bundle_mod.build(board=bundle_mod.load_board("esp32s3_a7670c"), frozen=("lib12333", "firmware", "board"))
    full_paths = set(f.path for f in full.files)
    lean_paths = set(f.path for f in lean.files)
    assert "lib12333/errors.mpy" in full_paths and "lib12333/errors.mpy" not in lean_paths
    assert "firmware/kiosk.mpy" not in lean_paths and "board.mpy" not in lean_paths
    assert "lib12333/data/gbk.bin" in lean_paths and "lib12333/data/regions.txt" in lean_paths
    assert all(not p.endswith(".mpy") for p in lean_paths)


def test_skip_frozen_is_refused_on_a_board_without_frozen_code(board):
    dev = connect(board)
    try:
        assert installer.frozen_modules(dev) == {}
        assert dev.eval("1 + 1") == 2  # the probe left the REPL as it found it
    finally:
        dev.close()
    proc = subprocess.run([sys.executable, "-m", "lib12333", "deploy", "--port", board.port, "--skip-frozen"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3 and "no frozen lib12333" in proc.stderr
