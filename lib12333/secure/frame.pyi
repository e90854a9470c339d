from typing import Optional

from lib12333.secure.aes import AES128

__all__ = ("VERSION", "HEADER_LEN", "TAG_LEN", "NONCE_LEN", "UP", "DOWN", "PORT", "SINGLE_SMS", "PART_SIZE",
           "MAX_PARTS", "MAX_FRAME", "MAX_PAYLOAD_SINGLE", "Frame", "encode_header", "decode_header", "peek",
           "nonce", "max_len", "seal", "open")

VERSION: int
HEADER_LEN: int
TAG_LEN: int
NONCE_LEN: int
UP: int
DOWN: int
PORT: int
SINGLE_SMS: int
PART_SIZE: int
MAX_PARTS: int
MAX_FRAME: int
MAX_PAYLOAD_SINGLE: int

class Frame:
    version: int
    msg_type: int
    direction: int
    device_id: int
    seq: int
    time: int
    payload: Optional[bytes]
    def __init__(self, msg_type: int, device_id: int, seq: int, time: int, payload: Optional[bytes] = b"",
                 direction: int = ..., version: int = ...) -> None: ...
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...

def encode_header(frame: Frame) -> bytes: ...
def decode_header(data: bytes) -> Frame: ...
def peek(data: bytes) -> Frame: ...
def nonce(frame: Frame) -> bytes: ...
def max_len(msg_type: int) -> int: ...
def seal(cipher: AES128, frame: Frame) -> bytes: ...
def open(cipher: AES128, data: bytes, direction: Optional[int] = None) -> Frame: ...
