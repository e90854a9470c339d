from typing import Any, Dict, List, Optional, Sequence, Tuple

from lib12333.sms.scts import Timestamp, Validity

__all__ = ("Part", "RefCounter", "encode_submit", "encode_deliver", "encode_status_report")

class Part:
    pdu: bytes
    tpdu_length: int
    seq: int
    total: int
    text: Optional[str]
    encoding: Optional[str]
    def __init__(self, pdu: bytes, tpdu_length: int, seq: int, total: int, text: Optional[str],
                 encoding: Optional[str]) -> None: ...
    @property
    def hex(self) -> str: ...

class RefCounter:
    bits: int
    start: int
    max_numbers: int
    def __init__(self, start: int = 0, bits: int = 8, max_numbers: int = 64) -> None: ...
    def next(self, number: str) -> int: ...
    def state(self) -> Dict[str, Any]: ...
    @classmethod
    def from_state(cls, state: Dict[str, Any], max_numbers: int = 64) -> RefCounter: ...

def encode_submit(number: str, text: Optional[str] = None, data: Optional[bytes] = None,
                  smsc: Optional[str] = None, ref: Optional[int] = None, encoding: Optional[str] = None,
                  msg_class: Optional[int] = None, flash: bool = False, vp: Optional[Validity] = None,
                  srr: bool = False, mr: int = 0, rd: bool = False, reply_path: bool = False, pid: int = 0,
                  ports: Optional[Tuple[int, int]] = None, ref16: bool = False, max_parts: Optional[int] = None,
                  extra_ies: Optional[Sequence[Tuple[int, bytes]]] = None, toa: Optional[int] = None,
                  smsc_toa: Optional[int] = None) -> List[Part]: ...
def encode_deliver(number: str, scts: Timestamp, text: Optional[str] = None, data: Optional[bytes] = None,
                   smsc: Optional[str] = None, ref: Optional[int] = None, encoding: Optional[str] = None,
                   msg_class: Optional[int] = None, flash: bool = False, more_messages: bool = False,
                   sri: bool = False, reply_path: bool = False, pid: int = 0,
                   ports: Optional[Tuple[int, int]] = None, ref16: bool = False, max_parts: Optional[int] = None,
                   extra_ies: Optional[Sequence[Tuple[int, bytes]]] = None, toa: Optional[int] = None,
                   smsc_toa: Optional[int] = None) -> List[Part]: ...
def encode_status_report(number: str, mr: int, scts: Timestamp, discharge: Timestamp, status: int = 0,
                         smsc: Optional[str] = None, srq: bool = False, more_messages: bool = False,
                         toa: Optional[int] = None) -> Part: ...
