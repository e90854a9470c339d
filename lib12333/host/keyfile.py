"""
Reading a 16-byte device or peer key from a file.

Two formats are accepted, so that every tool reads what every other tool writes:

- exactly 16 raw bytes (what ``lib12333 gateway device add --key-out`` writes);
- 32 hex digits, optionally surrounded by whitespace or a trailing newline
  (what a person types or pastes).

Anything else is a ValidationError naming the file and the expected formats.
"""

from lib12333.errors import ValidationError

KEY_SIZE = 16
EXPECTED = "16 raw bytes or 32 hex digits"


def parse_key(data, source="key file"):
    """The 16-byte key held in ``data`` (bytes read from ``source``); ValidationError otherwise."""
    if len(data) == KEY_SIZE:
        return bytes(data)
    try:
        key = bytes.fromhex(bytes(data).decode("ascii").strip())
    except ValueError:  # UnicodeDecodeError is a ValueError too
        key = None
    if key is None or len(key) != KEY_SIZE:
        raise ValidationError("%s holds no 16-byte key (%d bytes read)" % (source, len(data)),
                              field="key", expected=EXPECTED)
    return key


def read_key_file(path):
    """Read and parse the key file at ``path`` (OSError when it cannot be read)."""
    with open(path, "rb") as f:
        data = f.read(1024)
    return parse_key(data, "key file " + str(path))


def claim_key_file(path, opened=None):
    """Read the key file ``path`` for one deploy and lock it: ``(open file, key)``; close the file to release.

    A key goes to one board: deploy removes the file once the key is on the board.  Two
    deploys started with the same file before either finished would both write it, and two
    boards would seal under one key from the same first number.  ValidationError when
    another deploy holds the file, or has already removed it.  ``opened``: the file, opened
    already (tests).
    """
    import os

    f = opened if opened is not None else open(path, "rb")
    try:
        try:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # no flock (Windows): the removal after deploy is the only guard
            pass
        except OSError as exc:
            raise ValidationError("key file %s is in use by another `lib12333 deploy`: a key goes to one board"
                                  % path, field="key-file",
                                  expected="a key file of its own for each board (gateway device add / replace "
                                  "--key-out)") from exc
        if os.fstat(f.fileno()).st_nlink == 0:
            raise ValidationError("key file %s was removed by the deploy that put its key on a board" % path,
                                  field="key-file", expected="a new key file for this board (gateway device "
                                  "replace --key-out)")
        f.seek(0)
        return f, parse_key(f.read(1024), "key file " + str(path))
    except BaseException:
        f.close()
        raise


def read_secret_line(path, source, item=None):
    """The first line of the secret file ``path`` (an operator link's password), stripped.

    Refused (ConfigError naming ``source``/``item``) when the file cannot be read or when
    its group or others may read or write it: a link password in a file anyone on the
    gateway host can read is a password anyone can use, so the file must be ``chmod 600``.
    """
    import os
    import stat

    from lib12333.errors import ConfigError

    try:
        with open(path, encoding="utf-8") as f:
            mode = os.fstat(f.fileno()).st_mode
            if os.name == "posix" and mode & 0o077:
                raise ConfigError("secret file %s is readable or writable by others (mode %03o): run chmod 600 %s"
                                  % (path, stat.S_IMODE(mode), path), source, None, item,
                                  "a file only its owner may read (chmod 600)")
            return f.readline().strip()
    except OSError as exc:
        raise ConfigError("secret file unreadable: %s" % exc.strerror, source, None, item) from None
    except UnicodeDecodeError:
        raise ConfigError("secret file %s is not UTF-8 text" % path, source, None, item) from None


def key_from_options(key_hex=None, key_file=None):
    """The key given on a command line as ``--key-hex`` or ``--key-file``, or None when neither is given."""
    if key_file:
        return read_key_file(key_file)
    if key_hex:
        try:
            key = bytes.fromhex(key_hex.strip())
        except ValueError:
            key = None
        if key is None or len(key) != KEY_SIZE:
            raise ValidationError("--key-hex is not a 16-byte key", field="key", expected="32 hex digits")
        return key
    return None


def write_key_file(path, key):
    """Write ``key`` to ``path``, readable by its owner only (also when the file existed), durably.

    The bytes go to a temporary file beside it that is synced and renamed over ``path``,
    so ``path`` holds the old content or the whole key, never a part.
    """
    import os
    import tempfile

    # A new file of a name nobody can have planted (O_EXCL, no symlink followed), created 0600.
    folder, name = os.path.split(os.path.abspath(str(path)))
    fd, tmp = tempfile.mkstemp(prefix="." + name + ".", suffix=".tmp", dir=folder)
    try:
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, bytes(key))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        os.unlink(tmp)  # a full disk leaves no partial key behind
        raise


def key_file_first(path, key, register):
    """``register()`` only after the key is safely in ``path``; the file is removed if registering fails.

    A device must never be registered with a key nobody has: the key file is written
    first, and a failed registration takes the file away again.  Without ``path`` it
    only registers.
    """
    import os

    if path:
        write_key_file(path, key)
    try:
        return register()
    except BaseException:
        if path:
            os.unlink(path)
        raise
