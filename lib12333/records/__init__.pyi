from typing import Any, Dict, Optional, Tuple

__all__ = ("CHANNELS", "SERVICES", "OUTCOMES", "ANSWERED_OUTCOMES", "OFFERED_OUTCOMES", "MAX_TEXT", "check_text",
           "check_category", "ServiceRecord")

CHANNELS: Tuple[str, ...]
SERVICES: Tuple[int, ...]
OUTCOMES: Tuple[str, ...]
ANSWERED_OUTCOMES: Tuple[str, ...]
OFFERED_OUTCOMES: Tuple[str, ...]
MAX_TEXT: int

def check_text(name: str, value: str) -> bytes: ...
def _utf8_ok(b: bytes) -> bool: ...  # shared with lib12333.records.binary
def check_category(value: str) -> str: ...

class ServiceRecord:
    FIELDS: Tuple[str, ...]
    channel: str
    service: int
    region: int
    category: str
    queue: str
    agent: str
    caller: str
    ref: str
    arrival: int
    answer: Optional[int]
    end: Optional[int]
    outcome: str
    def __init__(self, channel: str = "call", service: int = 12333, region: int = 0, category: str = "",
                 queue: str = "", arrival: int = 0, answer: Optional[int] = None, end: Optional[int] = None,
                 outcome: str = "unknown", agent: str = "", caller: str = "", ref: str = "") -> None: ...
    @classmethod
    def trusted(cls, channel: str, service: int, region: int, category: str, queue: str, arrival: int,
                answer: Optional[int], end: Optional[int], outcome: str, agent: str, caller: str,
                ref: str) -> ServiceRecord: ...
    @property
    def wait(self) -> Optional[int]: ...
    @property
    def talk(self) -> Optional[int]: ...
    @property
    def answered(self) -> bool: ...
    @property
    def offered(self) -> bool: ...
    def as_tuple(self) -> Tuple[Any, ...]: ...
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...
    def to_dict(self) -> Dict[str, Any]: ...
    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> ServiceRecord: ...
