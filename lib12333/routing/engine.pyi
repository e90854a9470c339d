from typing import Any, Dict, List, Optional, Tuple

__all__ = ("Request", "Decision", "RuleSet")

class Request:
    number: str
    channel: str
    reached: Optional[str]
    caller_region: Optional[str]
    card_region: Optional[str]
    category: Optional[str]
    date: Any
    minute: Optional[int]
    waiting: Optional[int]
    agents: Optional[int]
    def __init__(self, number: Optional[str] = None, channel: str = "voice", reached: Optional[str] = None,
                 caller_region: Optional[str] = None, card_region: Optional[str] = None,
                 category: Optional[str] = None, time: Optional[str] = None, waiting: Optional[int] = None,
                 agents: Optional[int] = None) -> None: ...
    def card_relation(self) -> str: ...

class Decision:
    action: str
    level: Optional[str]
    centre: Optional[str]
    queue: Optional[str]
    via: Optional[str]
    rule: Optional[str]
    line: Optional[int]
    note: Optional[str]
    def __init__(self, action: str, level: Optional[str], centre: Optional[str], queue: Optional[str],
                 via: Optional[str], rule: Optional[str], line: Optional[int], note: Optional[str]) -> None: ...
    def as_dict(self) -> Dict[str, Any]: ...
    def key(self) -> Tuple[Any, ...]: ...

class RuleSet:
    name: str
    rules: List[Any]
    calendar: Any
    source: Optional[str]
    def __init__(self, name: str, rules: List[Any], calendar: Any, source: Optional[str]) -> None: ...
    def evaluate(self, request: Request, calendar: Any = None) -> Decision: ...
    def explain(self, request: Request, calendar: Any = None) -> Dict[str, Any]: ...
