"""
Security for the kiosk <-> centre link: AES-128, AES-CCM, the secure frame and the replay window.

    lib12333.secure.aes     AES-128 block cipher (FIPS-197): cryptolib when the firmware has it,
                            pure Python otherwise
    lib12333.secure.ccm     AES-CCM authenticated encryption (RFC 3610 / NIST SP 800-38C)
    lib12333.secure.frame   the versioned binary frame carried in 8-bit data SMS (seal / open)
    lib12333.secure.messages  compact payloads of each message type
    lib12333.secure.replay  sliding anti-replay window that can be persisted

The design (threat model, keys, nonces, replay) is in docs/security.md; the wire
format in protocols/frame/README.md.
"""
