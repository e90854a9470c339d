"""Which packages the wheel carries (everything else about the package is in pyproject.toml).

The kiosk firmware lives in the checkout as ``firmware/`` (its name on the device, frozen into the
MicroPython images) but installs as ``lib12333_firmware``: a top-level ``firmware`` in site-packages
could collide with any other distribution's.  ``lib12333.host.firmware_package`` loads it on the PC.
"""

from setuptools import find_packages, setup

FIRMWARE = find_packages(include=["firmware", "firmware.*"])

setup(
    packages=find_packages(include=["lib12333", "lib12333.*"]) + ["lib12333_" + p for p in FIRMWARE],
    package_dir={"lib12333_" + p: p.replace(".", "/") for p in FIRMWARE},
)
