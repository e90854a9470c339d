"""``lib12333 firmware``: build real MicroPython images of the kiosk and their file-system images."""

import argparse

from lib12333.host.cli import EXIT_FAILED, EXIT_IO, EXIT_OK
from lib12333.host.cli.common import add_key_arguments, usage_handler
from lib12333.host.cli.output import add_json_flag, emit, progress

HELP = """\
Builds MicroPython v1.28.0 firmware images with the lib12333 core, the kiosk firmware
(firmware/) and the board's module frozen into flash, and LittleFS images with the
kiosk's data (GBK table, library index, configuration) for the board's file system.

  lib12333 firmware build --board rp2040-ec800n            .elf .bin .uf2 + size report in build/firmware/
  lib12333 firmware build --board qemu-mps2 --out DIR      Cortex-M3 image for qemu-system-arm
  lib12333 firmware fs --board rp2040-ec800n --device-id 1001 --key-file k.key --site site.json --out fs.img

Sources: --micropython DIR_OR_TARBALL, else $LIB12333_MICROPYTHON, else the vendored
tarball in ../shared/vendor/ (docs/firmware-images.md says how to clone the same tag).
Builds are cached by input hash in .cache/firmware/ and ~/.cache/lib12333/
($LIB12333_CACHE): a second build with the same inputs takes a second.

Exit status: 0 built; 3 bad input (unknown board, wrong sources); 4 a tool is missing
(the message names the Debian package); 5 the build failed or the image does not fit.
"""


def register(subparsers):
    p = subparsers.add_parser("firmware", help="build MicroPython firmware images and file-system images",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="firmware_command", metavar="ACTION")

    b = sub.add_parser("build", help="build (or take from the cache) the firmware image of a board")
    b.add_argument("--board", required=True, help="rp2040-ec800n or qemu-mps2")
    b.add_argument("--out", metavar="DIR", help="folder for <board>.elf/.bin/.uf2/.size.json (default build/firmware)")
    b.add_argument("--micropython", metavar="SRC", help="MicroPython v1.28.0 source folder or tarball")
    add_json_flag(b)
    b.set_defaults(handler=run_build)

    f = sub.add_parser("fs", help="build the LittleFS image of a board's file system (data, library, configuration)")
    f.add_argument("--board", required=True, help="rp2040-ec800n")
    f.add_argument("--out", required=True, metavar="FILE", help="the image file to write")
    f.add_argument("--device-id", help="provision this device id (with --key-file or --key-hex)")
    add_key_arguments(f, "the device key", "the 16-byte device key (16 raw bytes or 32 hex digits)")
    f.add_argument("--site", help="JSON file with the site configuration (centre_number, unit, ...)")
    f.add_argument("--library", nargs="+", metavar="JSON", help="information library sources to index into /data")
    f.add_argument("--region", default="330100", help="region code the library is built for (default 330100)")
    add_json_flag(f)
    f.set_defaults(handler=run_fs)
    p.set_defaults(handler=usage_handler(p))


def _render_build(r):
    lines = ["%s: MicroPython %s, port %s, board %s" % (r["board"], r["micropython"], r["port"], r["micropython_board"]),
             "image:       %d bytes (sha256 %s)" % (r["image_bytes"], r["sha256"][:16]),
             "flash left:  %d bytes before %s" % (r["flash_left"], "the file system" if "fs_offset" in r
                                                 else "the end of the code area")]
    frozen = r["frozen_bytes"]
    lines.append("frozen:      " + ", ".join("%s %d" % (k, v) for k, v in frozen.items()))
    for ext, path in sorted(r["files"].items()):
        lines.append("  %-10s %s" % (ext, path))
    return "\n".join(lines)


def run_build(args):
    from lib12333.errors import CapacityError, DeviceError
    from lib12333.host.firmware_image import build

    try:
        report = build.build(args.board, out_dir=args.out, micropython=args.micropython, progress=progress)
    except DeviceError as exc:
        progress("error: %s" % exc)
        return EXIT_IO if exc.code == "missing-tool" else EXIT_FAILED
    except CapacityError as exc:
        progress("error: %s" % exc)
        return EXIT_FAILED
    emit(report, args.json, _render_build)
    return EXIT_OK


def run_fs(args):
    import json
    import time

    from lib12333.errors import ValidationError
    from lib12333.host.firmware_image import fsimage
    from lib12333.host.keyfile import key_from_options

    provision = None
    key = key_from_options(args.key_hex, args.key_file)
    if args.device_id or key is not None or args.site:
        if not (args.device_id and args.device_id.isdigit()):
            raise ValidationError("provisioning needs a numeric --device-id", field="device-id")
        site = {}
        if args.site:
            with open(args.site, encoding="utf-8") as f:
                site = json.load(f)
        provision = {"device_id": int(args.device_id), "site": site, "key": key}
        if key is None:
            provision.pop("key")
    library = None
    if args.library:
        from lib12333.host import kb

        t = time.gmtime(time.time() + 8 * 3600)
        idx, dat, _result = kb.build_from_files(args.library, args.region, "%04d-%02d-%02d" % t[:3])
        library = (idx, dat)
    summary = fsimage.build_fs(args.board, args.out, provision, library, progress=progress)
    emit(summary, args.json, lambda s: "%s: %d files (%d bytes) in a %d-byte LittleFS image for offset 0x%x: %s"
         % (s["board"], s["files"], s["file_bytes"], s["image_bytes"], s["fs_offset"], s["image"]))
    return EXIT_OK if summary["files"] else EXIT_FAILED
