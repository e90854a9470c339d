"""
The core (lib12333/ minus host/) may import only what MicroPython has built in.

The rule is enforced on the source: every import statement of every core module
is parsed.  Imports guarded by ``try: ... except ImportError`` (optional
accelerators such as ``cryptolib``) and imports behind ``if TYPE_CHECKING:`` are
allowed, since MicroPython never executes them or survives their absence.
"""

import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORE = os.path.join(ROOT, "lib12333")

# Built into MicroPython on the boards we support and on the wasm port used in tests
# (../shared/research/micropython.md §3.4).
MICROPYTHON_BUILTINS = {
    "array", "binascii", "builtins", "cmath", "collections", "errno", "gc", "hashlib", "heapq",
    "io", "json", "math", "micropython", "os", "random", "re", "select", "struct", "sys", "time",
}
# CPython-only fallbacks that compat.py may import on CPython.
COMPAT_CPYTHON_ONLY = {"traceback", "codecs"}
FORBIDDEN_ANYWHERE = {"dataclasses", "enum", "typing", "abc", "__future__"}


def core_files():
    for folder, dirs, files in os.walk(CORE):
        dirs[:] = [d for d in dirs if d not in ("host", "__pycache__")]
        for f in files:
            if f.endswith(".py") and f != "__main__.py":
                yield os.path.join(folder, f)


def _guarded(node, parents):
    for parent in parents:
        if isinstance(parent, ast.Try):
            for handler in parent.handlers:
                names = []
                if isinstance(handler.type, ast.Name):
                    names = [handler.type.id]
                elif isinstance(handler.type, ast.Tuple):
                    names = [e.id for e in handler.type.elts if isinstance(e, ast.Name)]
                if "ImportError" in names and node in ast.walk(ast.Module(body=parent.body, type_ignores=[])):
                    return True
        if isinstance(parent, ast.If) and isinstance(parent.test, ast.Name) and parent.test.id == "TYPE_CHECKING":
            return True
    return False


def _imports(tree):
    stack = [(tree, [])]
    while stack:
        node, parents = stack.pop()
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node, parents
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.module, node, parents
            else:
                yield "lib12333.<relative>", node, parents
        for child in ast.iter_child_nodes(node):
            stack.append((child, parents + [node]))


def test_core_imports_only_micropython_builtins():
    problems = []
    for path in core_files():
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), rel)
        for name, node, parents in _imports(tree):
            top = name.split(".")[0]
            if top in FORBIDDEN_ANYWHERE and not _guarded(node, parents):
                problems.append("%s:%d imports %s (not on MicroPython)" % (rel, node.lineno, name))
            elif name.startswith("lib12333.host") or name == "lib12333.host":
                problems.append("%s:%d imports %s (CPython-only host code)" % (rel, node.lineno, name))
            elif top == "lib12333" or top in MICROPYTHON_BUILTINS:
                continue
            elif rel.endswith("compat.py") and top in COMPAT_CPYTHON_ONLY:
                continue
            elif _guarded(node, parents):
                continue
            elif top not in FORBIDDEN_ANYWHERE:
                problems.append("%s:%d imports %s, which MicroPython lacks" % (rel, node.lineno, name))
    assert not problems, "\n".join(problems)


def test_core_avoids_known_micropython_traps():
    """Source patterns that compile on CPython but fail on MicroPython."""
    traps = {
        ".encode('utf-16": "no UTF-16 codec on MicroPython",
        '.encode("utf-16': "no UTF-16 codec on MicroPython",
        "sort_keys=": "json.dumps has no sort_keys on MicroPython",
        ".zfill(": "str.zfill is missing on MicroPython",
        ".ljust(": "str.ljust is missing on MicroPython (compat.ljust)",
        ".rjust(": "str.rjust is missing on MicroPython (compat.rjust)",
        ".bit_length(": "int.bit_length is missing on MicroPython (compat.bit_length)",
        "[::-1]": "step slicing is missing on MicroPython (compat.reversed_bytes)",
        " from exc": "exception chaining is not supported on MicroPython",
        "fullmatch(": "re.fullmatch is missing on MicroPython",
        "groupdict(": "match.groupdict is missing on MicroPython",
    }
    problems = []
    for path in core_files():
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                code = line.split("#", 1)[0]
                for pattern, why in traps.items():
                    if pattern in code and not rel.endswith("compat.py"):
                        problems.append("%s:%d: %s" % (rel, lineno, why))
    assert not problems, "\n".join(problems)


def test_core_does_no_io_and_reads_no_clock():
    """The core is sans-IO: files, sockets and clocks come in from the caller (firmware, host)."""
    forbidden_calls = {"open", "input"}
    forbidden_attrs = {("os", "remove"), ("os", "rename"), ("os", "mkdir"), ("os", "listdir"), ("os", "stat"),
                       ("time", "time"), ("time", "ticks_ms"), ("time", "localtime"), ("time", "sleep")}
    problems = []
    for path in core_files():
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), rel)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            if isinstance(fn, ast.Name) and fn.id in forbidden_calls:
                problems.append("%s:%d calls %s()" % (rel, node.lineno, fn.id))
            elif isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name):
                if (fn.value.id, fn.attr) in forbidden_attrs:
                    problems.append("%s:%d calls %s.%s()" % (rel, node.lineno, fn.value.id, fn.attr))
    assert not problems, "\n".join(problems)
