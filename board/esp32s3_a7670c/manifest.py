# Freeze manifest for the ESP32-S3 + A7670C kiosk. Build MicroPython with
#   make -C ports/esp32 BOARD=ESP32_GENERIC_S3 \
#        FROZEN_MANIFEST=/path/to/lib12333/board/esp32s3_a7670c/manifest.py
# Frozen bytecode runs from flash, so the kiosk's code costs no heap
# (docs/benchmarks.md, "Kiosk firmware").  Data files (lib12333/data, the library
# index) still go to the file system with `lib12333 deploy`.
include("$(PORT_DIR)/boards/manifest.py")
include("../manifest_common.py")
module("board.py")
