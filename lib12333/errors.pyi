from typing import Optional

__all__ = (
    "Lib12333Error", "DecodeError", "ValidationError", "ConfigError", "ProtocolError", "LocalProtocolError",
    "RemoteProtocolError", "SecurityError", "StateError", "CapacityError", "DeadlineError", "DeviceError",
    "StorageError", "CardSecurityError", "CardError",
)

class Lib12333Error(Exception):
    message: str
    def __init__(self, message: str) -> None: ...

class DecodeError(Lib12333Error):
    reason: str
    field: Optional[str]
    position: Optional[int]
    expected: Optional[str]
    def __init__(self, message: str, field: Optional[str] = None, position: Optional[int] = None,
                 expected: Optional[str] = None) -> None: ...

class ValidationError(Lib12333Error):
    reason: str
    field: Optional[str]
    expected: Optional[str]
    def __init__(self, message: str, field: Optional[str] = None, expected: Optional[str] = None) -> None: ...

class ConfigError(ValidationError):
    source: Optional[str]
    line: Optional[int]
    item: Optional[str]
    def __init__(self, message: str, source: Optional[str] = None, line: Optional[int] = None,
                 item: Optional[str] = None, expected: Optional[str] = None) -> None: ...

class ProtocolError(Lib12333Error): ...
class LocalProtocolError(ProtocolError): ...
class RemoteProtocolError(ProtocolError): ...
class SecurityError(Lib12333Error): ...

class CardSecurityError(SecurityError):
    command: Optional[str]
    sw: Optional[int]
    tries_left: Optional[int]
    needs_authenticator: bool
    def __init__(self, message: str, command: Optional[str] = None, sw: Optional[int] = None,
                 tries_left: Optional[int] = None) -> None: ...

class StateError(Lib12333Error):
    reason: str
    state: Optional[str]
    action: Optional[str]
    def __init__(self, message: str, state: Optional[str] = None, action: Optional[str] = None) -> None: ...

class CapacityError(Lib12333Error): ...
class DeadlineError(Lib12333Error): ...

class DeviceError(Lib12333Error):
    reason: str
    code: Optional[str]
    retryable: bool
    def __init__(self, message: str, code: Optional[str] = None, retryable: bool = False) -> None: ...

class StorageError(Lib12333Error): ...

class CardError(DeviceError):
    sw: int
    command: Optional[str]
    def __init__(self, message: str, sw: int, command: Optional[str] = None) -> None: ...
