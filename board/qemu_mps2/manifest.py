# Freeze manifest for the QEMU Cortex-M3 image (`lib12333 firmware build --board qemu-mps2`):
# the core, the kiosk firmware, this board module and the kiosk simulation the image runs
# (the machine has no kiosk peripherals; board.py says why) with the AT modem emulator the
# simulation's modem is made of (manifest_common.py leaves it out of kiosk images).
import os

include("../manifest_common.py")
module("board.py")
package("tests", files=["__init__.py", "core/__init__.py", "core/kiosk_sim.py", "core/support.py"],
        base_path="../..", opt=3)
package("lib12333", files=["modem/emulator/" + f for f in sorted(os.listdir("../../lib12333/modem/emulator"))
                           if f.endswith(".py")], base_path="../..", opt=3)
