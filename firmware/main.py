"""
Entry point of the kiosk on a board: ``import firmware.main; firmware.main.run()``.

``lib12333 deploy`` writes a ``/main.py`` that does exactly that, and provisions
``/config/device.json`` (device id and site) and ``/config/key.bin`` (the key).
The PC host board calls :func:`start` with its own paths and hardware.
"""

import json

# status_interval: seconds between the kiosk's status reports to its centre (firmware/status_report.py; 0 = none)
SITE_DEFAULTS = {"temp_loss_days": 7, "unit": "【人力资源社会保障电话咨询服务中心】", "status_interval": 86400}


KEY_MARKER = "/key.fresh"
JOURNAL_FILES = ("/journal.a", "/journal.b")


def load_config(config_dir):
    """Device id, key and site configuration written by ``lib12333 deploy``.

    ``config["seq_start"]`` is the first sequence number of this key; ``config["new_key"]``
    is True when deploy has just written the key (``key.fresh`` holds its SHA-256): the
    kiosk then starts a new journal.  Otherwise the key has been used, and a missing
    journal stops the kiosk instead of counting from the start again (nonce reuse).
    """
    with open(config_dir + "/device.json") as f:
        device = json.load(f)
    with open(config_dir + "/key.bin", "rb") as f:
        key = f.read()
    config = dict(SITE_DEFAULTS)
    config.update(device.get("site") or {})
    config["device_id"] = int(device["device_id"])
    config["seq_start"] = int(device.get("seq_start", 1))
    config["new_key"] = _marker_matches(config_dir, key)
    return config, key


def _marker_matches(config_dir, key):
    import binascii
    import hashlib

    marker = _open_optional(config_dir + KEY_MARKER, "r")
    if marker is None:
        return False
    with marker:
        text = marker.read().strip()
    # deploy writes the marker before the key: a marker for another key is a deployment cut in between.
    return text == binascii.hexlify(hashlib.sha256(key).digest()).decode()


def forget_journal(data_dir):
    """Remove the journal of the previous key (a new key starts a new journal)."""
    import os

    for name in JOURNAL_FILES:
        try:
            os.remove(data_dir + name)
        except OSError:
            pass  # not there


def key_adopted(config_dir):
    """The new key's journal is in use: remove the marker, so a lost journal is caught from now on."""
    import os

    try:
        os.remove(config_dir + KEY_MARKER)
    except OSError:
        pass


def _data_file(name, data_path):
    """Where lib12333's data file is: beside the core, or -- when the core is frozen into the
    firmware (``lib12333 deploy --skip-frozen``) -- in the active version's folder on flash."""
    import sys

    path = data_path(name)
    # A frozen module's __file__ is relative: ".frozen/lib12333/..." before MicroPython 1.26,
    # "lib12333/..." since; a module loaded from the file system has an absolute path.
    if path.startswith("/"):
        return path
    for entry in sys.path:
        if entry.startswith("/apps/"):
            return entry + "/lib12333/data/" + name
    return path


def _open_optional(path, mode="rb"):
    try:
        return open(path, mode)
    except OSError:
        return None


def start(hw, config, key, data_dir, gbk_path, library_dir=None, engine=None):
    """Build the kiosk application for ``hw`` and run its boot sequence; returns the app."""
    from firmware.app import KioskApp
    from firmware.filestore import FileStore
    from lib12333.journal import Journal
    from lib12333.modem import profiles
    from lib12333.modem.engine import Engine

    journal = Journal(FileStore(data_dir + JOURNAL_FILES[0]), FileStore(data_dir + JOURNAL_FILES[1]))
    if engine is None:
        profile = profiles.get(config["modem_profile"]) if config.get("modem_profile") else None
        engine = Engine(now=0.0, profile=profile)  # the app's monotonic clock starts at 0
    gbk = None
    gbk_file = _open_optional(gbk_path)
    if gbk_file is not None:
        from lib12333.card.gbk import GbkTable

        gbk = GbkTable(gbk_file)
    library = None
    if library_dir:
        idx = _open_optional(library_dir + "/kb.idx")
        dat = _open_optional(library_dir + "/kb.dat")
        if idx is not None and dat is not None:
            from lib12333.library.index import KbIndex

            library = KbIndex(idx, dat)
    if config.get("status_interval"):
        from firmware.status_report import BOOTS_FILE, count_boot

        config["boots"] = count_boot(data_dir + BOOTS_FILE)
    app = KioskApp(hw, config, key, journal, engine, library=library, gbk=gbk)
    app.boot()
    return app


MAINTENANCE_FLAG = "/maintenance"


def run():
    """The main loop of a real board (never returns; the watchdog restarts a hung loop).

    When ``/maintenance`` exists (``lib12333 deploy`` writes it before updating a running
    kiosk) nothing is started -- no watchdog, no modem -- so the REPL stays free.
    """
    import os

    try:
        os.stat(MAINTENANCE_FLAG)
        print("lib12333: maintenance flag present, kiosk not started")
        return
    except OSError:
        pass

    import board  # the board's module, installed by lib12333 deploy
    from lib12333.compat import data_path

    hw = board.Hardware()
    config, key = load_config("/config")
    config.setdefault("modem_profile", getattr(board, "MODEM_PROFILE", None))
    config.setdefault("log_file", hw.storage + "/kiosk.log")
    try:
        os.mkdir(hw.storage)
    except OSError:
        pass  # exists
    if config["new_key"]:
        forget_journal(hw.storage)  # frames of the previous key would be refused; its counter is not ours
    app = start(hw, config, key, hw.storage, _data_file("gbk.bin", data_path), library_dir=hw.storage)
    if config["new_key"] and app.journal_ready:
        key_adopted("/config")  # only now: a cut before this repeats the (harmless) adoption
    while True:
        app.step()
        hw.sleep_ms(10)
