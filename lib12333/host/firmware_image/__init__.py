"""
Real MicroPython firmware images of the kiosk, and the emulated chips that run them.

    sources   where the MicroPython sources, the toolchain and the build cache are
    build     ``lib12333 firmware build``: the image with the core, firmware/ and the board frozen
    fsimage   ``lib12333 firmware fs``: the LittleFS image with the kiosk's data files
    qemu      the Cortex-M3 image under qemu-system-arm, driven through its raw REPL
    rp2040    the RP2040 image on rp2040js (tools/rp2040/runner.mjs), bridged to the emulators

docs/firmware-images.md describes the whole; docs/boards/ the boards.
"""
