"""The kiosk firmware package on the PC, under its device name ``firmware``.

In a checkout the firmware is the top-level folder ``firmware/``.  An installed wheel carries the same
package as ``lib12333_firmware`` (setup.py), because a top-level ``firmware`` in site-packages could
collide with another distribution's.  The firmware's modules import each other as ``firmware.*`` (their
name on the device), so :func:`load` registers the installed package under that name for this process.
Host code reaches the firmware through :func:`load`, never with a bare ``import firmware``.
"""

import importlib
import os
import sys

INSTALLED_NAME = "lib12333_firmware"


def load():
    """The firmware package, importable afterwards as ``firmware`` (and ``firmware.app`` ...)."""
    known = sys.modules.get("firmware")
    if known is not None:
        if not _is_ours(known):  # another distribution's `firmware`: never replace it under its users
            raise ImportError("a module named `firmware` that is not lib12333's kiosk firmware is already "
                              "imported (%s); run lib12333's kiosk in its own process"
                              % getattr(known, "__file__", known))
        return known
    try:
        package = importlib.import_module(INSTALLED_NAME)
    except ImportError:
        package = importlib.import_module("firmware")  # a checkout: the folder itself
        if not _is_ours(package):
            raise ImportError("the `firmware` found at %s is not lib12333's kiosk firmware" % package.__path__) from None
        return package
    # Submodules resolve through the package's __path__, so firmware.app is read from the installed folder.
    sys.modules["firmware"] = package
    return package


def _is_ours(package):
    """True when ``package`` is lib12333's kiosk firmware (it has the kiosk modules next to it)."""
    paths = list(getattr(package, "__path__", ()))
    return any(os.path.isfile(os.path.join(p, "kiosk.py")) and os.path.isfile(os.path.join(p, "screens.py"))
               for p in paths)


def submodule(name):
    """``firmware.<name>`` (e.g. ``"main"``, ``"drivers.ccid_reader"``), loading the package first."""
    load()
    return importlib.import_module("firmware." + name)
