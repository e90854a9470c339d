"""
Who may do what in the console, and how people prove who they are.

``PERMISSIONS`` is the one table of the console's authorisation: every route
names one permission, and ``allowed(role, permission)`` is the only check.
Passwords are hashed with argon2id (argon2-cffi's defaults: 64 MiB, 3 passes);
unknown user names are verified against a dummy hash so that the answer time
does not tell which accounts exist.

Login throttling (``LoginPolicy``): after ``max_failures`` wrong passwords in a
row an account is locked for ``lock_seconds``; a client address with more than
``client_failures`` failures in ``window`` seconds is refused before any
password is checked (HTTP 429), whatever user name it tries.
"""

import hashlib
import secrets

ROLES = ("agent", "supervisor", "technician", "administrator")
ROLE_LABELS = {"agent": "坐席/经办", "supervisor": "班长/主管", "technician": "技术员", "administrator": "管理员"}

# permission -> roles that have it
PERMISSIONS = {
    "requests.view": ("agent", "supervisor"),
    "requests.work": ("agent", "supervisor"),        # claim, close, return, transfer what one has claimed
    "requests.reassign": ("supervisor",),            # act on a request another user claimed
    "loss.view": ("agent", "supervisor"),            # masked card state and history
    "loss.lift": ("supervisor",),                    # lift a temporary loss (counter channel)
    "loss.unmask": ("supervisor",),                  # personal data in clear, with a reason, audited
    "kiosks.view": ("technician", "supervisor", "administrator"),
    "kiosks.manage": ("technician", "administrator"),  # key rotation, revocation
    "figures.view": ("supervisor", "administrator"),
    "audit.view": ("supervisor", "administrator"),
    "users.manage": ("administrator",),
    "self": ROLES,                                   # one's own session: home page, log out
}

# The home page of each role: the first page it may see.
HOME = (("requests.view", "/requests"), ("kiosks.view", "/kiosks"), ("figures.view", "/figures"),
        ("users.manage", "/users"))


def allowed(role, permission):
    return role in PERMISSIONS[permission]


def home_of(role):
    for permission, path in HOME:
        if allowed(role, permission):
            return path
    return "/logout"


class LoginPolicy:
    def __init__(self, max_failures=5, lock_seconds=900, client_failures=20, window=900):
        self.max_failures = max_failures
        self.lock_seconds = lock_seconds
        self.client_failures = client_failures
        self.window = window


# argon2-cffi's defaults (argon2id, 64 MiB, 3 passes) unless a test lowers the cost for speed.
HASHER_OPTIONS = {}


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher(**HASHER_OPTIONS)


_DUMMY = []


def hash_password(password):
    if len(password) < 10:
        from lib12333.errors import ValidationError

        raise ValidationError("passwords need at least 10 characters", field="password")
    return _hasher().hash(password)


def verify_password(pw_hash, password):
    """True when ``password`` matches ``pw_hash``; with ``pw_hash`` None, spend the same time and say False."""
    from argon2.exceptions import InvalidHashError, VerificationError

    ph = _hasher()
    if pw_hash is None:
        if not _DUMMY:
            _DUMMY.append(ph.hash(secrets.token_hex(16)))
        pw_hash = _DUMMY[0]
        password = password + "\0"  # never matches the dummy
    try:
        return ph.verify(pw_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token():
    return secrets.token_urlsafe(32)


def token_hash(token):
    """Sessions are stored by the hash of their cookie: a copy of the database opens no session."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def same_token(a, b):
    return bool(a) and bool(b) and secrets.compare_digest(str(a), str(b))
