from typing import Any, Dict, List, Optional, Sequence, Tuple

from lib12333.sms.scts import Timestamp, Validity
from lib12333.sms.udh import Concat

__all__ = ("DELIVER", "SUBMIT", "STATUS_REPORT", "Message", "decode", "decode_hex", "from_hex", "parse_dcs",
           "status_kind")

DELIVER: str
SUBMIT: str
STATUS_REPORT: str

def parse_dcs(dcs: int) -> Tuple[str, str, Optional[int], bool]: ...
def status_kind(st: int) -> str: ...

class Message:
    type: Optional[str]
    smsc: Optional[str]
    smsc_toa: Optional[int]
    number: Optional[str]
    toa: Optional[int]
    pid: Optional[int]
    dcs: Optional[int]
    encoding: Optional[str]
    msg_class: Optional[int]
    compressed: bool
    dcs_group: Optional[str]
    mr: Optional[int]
    srr: bool
    more_messages: Optional[bool]
    rd: Optional[bool]
    reply_path: bool
    scts: Optional[Timestamp]
    vp: Optional[Validity]
    udh: Sequence[Tuple[int, bytes]]
    concat: Optional[Concat]
    ports: Optional[Tuple[int, int]]
    text: Optional[str]
    data: bytes
    udl: Optional[int]
    discharge: Optional[Timestamp]
    status: Optional[int]
    tpdu_length: Optional[int]
    parts: int
    warnings: Sequence[Tuple[int, str, str]]  # lenient decoding: (position, field, what)
    @property
    def flash(self) -> bool: ...
    @property
    def status_kind(self) -> Optional[str]: ...
    @property
    def status_text(self) -> Optional[str]: ...
    def copy(self) -> Message: ...
    def to_dict(self) -> Dict[str, Any]: ...

def decode(data: bytes, smsc: bool = True, lenient: bool = False) -> Message: ...
def from_hex(text: str, warn: Optional[List[Tuple[int, str, str]]] = None) -> bytes: ...
def decode_hex(text: str, smsc: bool = True, lenient: bool = False) -> Message: ...
