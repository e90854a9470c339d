# Freeze manifest for the RP2040 + EC800N kiosk. Build MicroPython with
#   make -C ports/rp2 BOARD=RPI_PICO FROZEN_MANIFEST=/path/to/lib12333/board/rp2040_ec800n/manifest.py
include("$(PORT_DIR)/boards/manifest.py")
include("../manifest_common.py")
module("board.py")
