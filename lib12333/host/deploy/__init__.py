"""
Flashing and provisioning kiosk boards: ``lib12333 deploy``.

- ``bundle``: what goes on the device (core, firmware, board files), compiled with mpy-cross.
- ``device``: the board seen through the raw REPL (mpremote's serial transport).
- ``installer``: the atomic A/B installation, verification, provisioning and rollback.

The device layout and the guarantees are described in ``docs/deploy.md``.
"""
