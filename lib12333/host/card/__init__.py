"""
Host side of the social-security card (CPython only): the card emulator, its
transports (in-process, vpcd, a CCID serial reader on a pty) and the readers
lib12333 talks to (PC/SC through pyscard, CCID serial UART through pyserial).
"""
