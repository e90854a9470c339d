"""
Entry point of the kiosk on a board: ``import firmware.main; firmware.main.run()``.

``lib12333 deploy`` writes a ``/main.py`` that does exactly that, and provisions
``/config/device.json`` (device id and site) and ``/config/key.bin`` (the key).
The PC host board calls :func:`start` with its own paths and hardware.
"""

import json

SITE_DEFAULTS = {"temp_loss_days": 7, "unit": "【人力资源社会保障电话咨询服务中心】"}


def load_config(config_dir):
    """Device id, key and site configuration written by ``lib12333 deploy``."""
    with open(config_dir + "/device.json") as f:
        device = json.load(f)
    with open(config_dir + "/key.bin", "rb") as f:
        key = f.read()
    config = dict(SITE_DEFAULTS)
    config.update(device.get("site") or {})
    config["device_id"] = int(device["device_id"])
    return config, key


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

    journal = Journal(FileStore(data_dir + "/journal.a"), FileStore(data_dir + "/journal.b"))
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
    app = start(hw, config, key, hw.storage, _data_file("gbk.bin", data_path), library_dir=hw.storage)
    while True:
        app.step()
        hw.sleep_ms(10)
