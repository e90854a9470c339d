"""``lib12333 deploy``: flash, provision, verify and roll back kiosk boards."""

import json
import sys

from lib12333.host.cli import EXIT_FAILED, EXIT_OK
from lib12333.host.cli.common import add_key_arguments
from lib12333.host.cli.output import add_json_flag, emit, progress

HELP = """\
Install lib12333 (core, kiosk firmware and the board's drivers) on a MicroPython board
over its serial port, atomically: the new version is uploaded beside the old one,
every file's SHA-256 is checked on the device, then one rename switches versions.
A cut cable or power loss leaves a board that boots the old or the new version.

  lib12333 deploy --port /dev/ttyUSB0 --board esp32s3-a7670c --device-id 1001 --key-file kiosk1001.key
  lib12333 deploy --port /dev/ttyUSB0 --dry-run         show the plan, write nothing
  lib12333 deploy status --port /dev/ttyUSB0 --verify   what is installed, and is it intact
  lib12333 deploy rollback --port /dev/ttyUSB0          boot the previous version again
"""


def register(subparsers):
    p = subparsers.add_parser(
        "deploy", help="flash, provision, verify and roll back kiosk boards",
        description=HELP, formatter_class=__import__("argparse").RawDescriptionHelpFormatter,
    )
    p.add_argument("action", nargs="?", default="install", choices=("install", "status", "rollback"),
                   help="install (default), status, or rollback")
    p.add_argument("--port", required=True, help="serial port of the board (/dev/ttyUSB0, /dev/pts/3, COM4)")
    p.add_argument("--board", help="board folder name under board/ (sets the architecture and drivers)")
    p.add_argument("--arch", help="override the mpy-cross architecture (default: the board's, else the device's)")
    p.add_argument("--device-id", help="provision this device id")
    add_key_arguments(p, "provision the device key given",
                      "provision the 16-byte device key read from this file (16 raw bytes or 32 hex digits)")
    p.add_argument("--site", help="JSON file with the site configuration to provision (centre number, hall name...)")
    p.add_argument("--gateway-db", help="register the device and its key in this gateway database (a new key is "
                   "generated when none is given); checked before the board is touched")
    p.add_argument("--replace", action="store_true",
                   help="with --gateway-db: this board replaces the registered one of --device-id (or its /data was "
                   "re-formatted): it gets a fresh key and a first sequence number, the old key is retired")
    p.add_argument("--seq-start", type=int, help="the first sequence number of the key, as `lib12333 gateway device "
                   "replace` printed it (with --gateway-db it is taken from the database)")
    p.add_argument("--source", action="store_true", help="upload .py sources instead of compiled .mpy")
    p.add_argument("--skip-frozen", action="store_true",
                   help="the board's firmware has lib12333 and the kiosk frozen in (board/*/manifest.py): upload "
                   "only data, board and configuration, so the frozen code runs from flash and saves RAM; "
                   "refused when the frozen version differs from this lib12333")
    p.add_argument("--verify", action="store_true", help="status: check every installed file's SHA-256")
    p.add_argument("--dry-run", action="store_true", help="show the plan; write nothing to the device")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for the board per command")
    add_json_flag(p)
    p.set_defaults(handler=run)


def _read_key(args):
    from lib12333.host.keyfile import claim_key_file, key_from_options

    if args.key_file and getattr(args, "action", "install") == "install" and not getattr(args, "dry_run", False):
        # Locked until this deploy ends: a second deploy of the same file is refused (one key, one board).
        args.key_claim, key = claim_key_file(args.key_file)
        return key
    return key_from_options(args.key_hex, args.key_file)


def _provision(args):
    if not (args.device_id or args.site or args.key_file or args.key_hex):
        return None
    from lib12333.errors import ValidationError

    if not args.device_id:
        raise ValidationError("provisioning needs --device-id", field="device-id")
    if not args.device_id.isdigit() or not 1 <= int(args.device_id) <= 0xFFFFFFFF:
        raise ValidationError("device id must be a number", field="device-id",
                              expected="1..4294967295, the id registered with lib12333 gateway device add")
    config = {"device_id": int(args.device_id)}
    if args.site:
        from lib12333.host import jsonfile

        config["site"] = jsonfile.load(args.site, "site config")
    config["key"] = _read_key(args)  # with --gateway-db and no key, _gateway_check makes one
    if args.seq_start is not None:
        if not 1 <= args.seq_start <= 0xFFFFFFFF:
            raise ValidationError("--seq-start must be 1..4294967295", field="seq-start")
        config["seq_start"] = args.seq_start
    return config


def _frozen(device, installer):
    from lib12333 import __version__
    from lib12333.errors import ConfigError

    frozen = installer.frozen_modules(device)
    if "lib12333" not in frozen or "firmware" not in frozen:
        raise ConfigError("--skip-frozen: this board's firmware has no frozen lib12333 and kiosk (found: %s)"
                          % (", ".join(sorted(frozen)) or "none"), source="device",
                          expected="a MicroPython built with board/<name>/manifest.py, or deploy without --skip-frozen")
    if frozen["lib12333"] != __version__:
        raise ConfigError("--skip-frozen: the board has lib12333 %s frozen, this is %s" % (frozen["lib12333"], __version__),
                          source="device", expected="the same version (flash the matching firmware first)")
    progress("[frozen] lib12333 %s, %s frozen on the board: uploading data, board and configuration only"
             % (__version__, ", ".join(sorted(frozen))))
    return frozen


def _gateway_check(args, provision):
    """With --gateway-db: decide, before the board is touched, what the gateway does; returns the connection.

    A key goes to one board, once (docs/security.md "Lifecycle"): a new id gets a fresh
    (or the given, never used) key; a registered id gets a fresh key only with --replace,
    and otherwise no key at all (the board must already hold it, checked on the board).
    """
    if not args.gateway_db:
        if getattr(args, "replace", False):
            from lib12333.errors import ValidationError

            raise ValidationError("--replace needs --gateway-db (or use `lib12333 gateway device replace`)",
                                  field="replace")
        return None
    import os

    from lib12333.errors import ValidationError
    from lib12333.host.gateway import db, provisioning

    if provision is None:
        raise ValidationError("--gateway-db needs --device-id", field="device-id")
    conn = db.connect(args.gateway_db)
    device_id = provision["device_id"]
    row = conn.execute("SELECT key, status, seq_floor FROM devices WHERE device_id = ?", (device_id,)).fetchone()
    if row is None:
        if args.replace:
            raise ValidationError("device %d is not registered: there is nothing to replace" % device_id,
                                  field="device-id", expected="leave out --replace to register a new kiosk")
        provision["key"] = provision["key"] or os.urandom(16)  # a new kiosk: to the board and the gateway only
        provisioning.check_key_unused(conn, provision["key"])
        provision["gateway"] = "register"
        return conn
    provisioning.check_replaceable(conn, device_id)  # revoked ids are never used again
    if args.replace:
        if provision["key"] is not None:
            raise ValidationError("--replace gives the board a fresh key from the gateway", field="key",
                                  expected="leave out --key-file / --key-hex")
        provision["key"] = os.urandom(16)
        provisioning.check_key_unused(conn, provision["key"])
        provision["seq_start"] = provisioning.next_first_seq(conn, device_id)
        provision["gateway"] = "replace"
        return conn
    if provision["key"] is not None:
        # The gateway cannot know whether that key is on a board already: it never hands it out again.
        other = "with another key" if bytes(row[0]) != provision["key"] else "and its key may already be on a board"
        raise ValidationError("device %d is already registered at the gateway %s" % (device_id, other),
                              field="device-id", expected="a new key file written by `gateway device add "
                              "--key-out`, for its first board: deploy without --gateway-db; the board that holds the key: leave out "
                              "--key-file / --key-hex; a replacement or re-formatted board: --replace (a fresh key)")
    if row[2] > 1:
        provision["seq_start"] = row[2]
    provision["gateway"] = "keep"
    provision["registered_key"] = bytes(row[0])
    return conn


def _check_board_key(device, provision):
    """A registered id updated without --replace: the board must hold the id's current key."""
    from lib12333.errors import ValidationError
    from lib12333.host.deploy.installer import _sha

    key = provision.pop("registered_key", None)
    if key is not None and device.sha256("/config/key.bin") != _sha(key):
        raise ValidationError("this board does not hold the key of device %d" % provision["device_id"],
                              field="device-id", expected="--replace for a replacement or re-formatted board "
                              "(a fresh key; the old one is retired), or the board of that id")


def _gateway_register(conn, provision):
    from lib12333.host.gateway import admin, provisioning

    action = provision.get("gateway")
    if action == "replace":
        provisioning.replace_device(conn, provision["device_id"], provision["key"], seq_start=provision["seq_start"])
        return "replaced"
    if action != "register":
        return "already registered"
    site = provision.get("site") or {}
    admin.add_device(conn, provision["device_id"], provision["key"], name=site.get("hall", ""),
                     region=site.get("region", ""), phone=site.get("kiosk_number", ""))
    return "registered"


def _printer(quiet):
    state = {"last": None}

    def report(phase, done, total, item):
        if quiet:
            return
        pct = 100 * done // total if total else 100
        key = (phase, pct // 10)
        if key != state["last"] or done == total:
            state["last"] = key
            progress("[%s] %3d%%  %s" % (phase, pct, item))

    return report


def run(args):
    from lib12333.host.cli import EXIT_IO
    from lib12333.host.deploy import bundle as bundle_mod
    from lib12333.host.deploy import installer
    from lib12333.host.deploy.device import DeviceLost, SerialDevice

    # Check what the technician typed before the board is touched or anything compiled.
    provision = _provision(args) if args.action == "install" else None
    gateway = _gateway_check(args, provision) if args.action == "install" and not args.dry_run else None
    board = bundle_mod.load_board(args.board) if args.board and args.action == "install" else None
    try:
        device = SerialDevice(args.port, timeout=args.timeout)
    except DeviceLost as exc:
        print("error: %s" % exc, file=sys.stderr)
        return EXIT_IO
    try:
        identity = device.identify()
        if args.action == "status":
            state = installer.DeviceState(device).as_dict()
            state["device"] = identity
            state["booted"] = installer.booted_version(device)
            config = device.read_text("/config/device.json")
            state["device_id"] = json.loads(config)["device_id"] if config else None
            state["maintenance"] = device.sha256(installer.MAINTENANCE_FLAG) is not None
            if args.verify and state["active"]:
                state["problems"] = installer.verify_version(device, state["active"])
            emit(state, args.json, _render_status)
            return EXIT_FAILED if state.get("problems") else EXIT_OK
        if args.action == "rollback":
            result = installer.rollback(device)
            emit(result, args.json, lambda r: "rolled back: %s is active, %s is previous" % (r["active"], r["previous"]))
            return EXIT_OK

        installer.check_compatibility(identity, board)
        if provision is not None:
            _check_board_key(device, provision)
        arch = args.arch or (board or {}).get("arch") or identity["arch"]
        report = _printer(args.json and not sys.stderr.isatty())
        frozen = _frozen(device, installer) if args.skip_frozen else {}
        build = bundle_mod.build(board=board, arch=arch, compile_py=not args.source, progress=report,
                                 frozen=tuple(frozen))
        if args.dry_run:
            state, steps = installer.plan(device, build, provision)
            result = {
                "version": build.version, "files": len(build.files), "bytes": build.size,
                "device": identity, "installed": state.as_dict(), "arch": arch,
                "steps": [s.as_dict() for s in steps],
            }
            emit(result, args.json, _render_plan)
            return EXIT_OK
        restart = False
        if installer.kiosk_running(device):
            # Ctrl-C stopped the kiosk, but its hardware watchdog cannot be stopped: reboot into
            # maintenance (firmware.main.run() starts nothing while /maintenance exists).
            progress("[maintenance] stopping the running kiosk: reboot without the application")
            installer.set_maintenance(device, True)
            if device.hard_reset():
                device = SerialDevice.reconnect(args.port, timeout=args.timeout)
            restart = True
        result = installer.install(
            device, build, provision, with_main=any(f.path.startswith("firmware/") for f in build.files),
            progress=report,
        )
        installer.set_maintenance(device, False)
        if args.key_file and provision is not None and provision.get("key") is not None:
            import os

            os.remove(args.key_file)  # a key goes to one board: the file cannot be given to a second one
            progress("[key] %s removed: the key is on the board and in the gateway only" % args.key_file)
        if gateway is not None:
            result["gateway"] = _gateway_register(gateway, provision)
            progress("[gateway] device %d %s in %s" % (provision["device_id"], result["gateway"], args.gateway_db))
        if restart:
            progress("[restart] starting the kiosk on version %s" % result["version"])
            result["restarted"] = device.hard_reset()
        result["device"] = identity
        emit(result, args.json, _render_result)
        return EXIT_OK
    finally:
        device.close()
        if getattr(args, "key_claim", None) is not None:
            args.key_claim.close()


def _render_status(s):
    lines = [
        "device     MicroPython %s (%s, .mpy v%d.%d, arch %s)" % (
            s["device"]["micropython"], s["device"]["platform"], s["device"]["mpy_major"],
            s["device"]["mpy_sub"], s["device"]["arch"] or "any"),
        "device id  %s" % (s["device_id"] or "(not provisioned)"),
        "active     %s" % (s["active"] or "(none)"),
        "previous   %s" % (s["previous"] or "(none)"),
        "boots      %s" % (s["booted"] or "(nothing: maintenance REPL only)"),
    ]
    if s.get("maintenance"):
        lines.append("maintenance  /maintenance is set: the kiosk will not start (an interrupted deploy? run it again)")
    if "problems" in s:
        lines.append("verify     " + ("all files intact" if not s["problems"] else "; ".join(s["problems"])))
    return "\n".join(lines)


def _render_plan(r):
    counts = {}
    for s in r["steps"]:
        counts[s["action"]] = counts.get(s["action"], 0) + 1
    lines = ["version %s: %d files, %d bytes, compiled for %s" % (r["version"], r["files"], r["bytes"], r["arch"] or "any arch")]
    lines.append("device: active %s, previous %s" % (r["installed"]["active"], r["installed"]["previous"]))
    for s in r["steps"]:
        if s["action"] not in ("skip",):
            lines.append("  %-9s %s  %s" % (s["action"], s["path"], s["detail"]))
    lines.append("(%d files already on the device are skipped)" % counts.get("skip", 0))
    return "\n".join(lines)


def _render_result(r):
    return "installed %s (%d files, %d uploaded, %d bytes); previous %s; removed %s" % (
        r["version"], r["files"], r["uploaded"], r["bytes_uploaded"], r["previous"] or "none",
        ", ".join(r["removed"]) or "nothing")
