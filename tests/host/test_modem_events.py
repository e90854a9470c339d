"""Event kinds live in one module, are documented, and nobody spells them by hand; operations see only the context."""

import os
import re

from lib12333.modem import events, operation

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# every module that reads engine events
CONSUMERS = ("firmware/app.py", "lib12333/host/gateway/service.py", "lib12333/host/cli/cmd_modem.py",
             "lib12333/host/modem/transport.py", "lib12333/host/demo.py")


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def kinds():
    return {name: getattr(events, name) for name in dir(events)
            if name.isupper() and isinstance(getattr(events, name), str)}


def test_kinds_are_distinct_and_the_old_strings():
    k = kinds()
    assert len(set(k.values())) == len(k) == 17
    assert k["READY"] == "ready" and k["SEND_FAILED"] == "send-failed" and k["PDU_WARNINGS"] == "pdu-warnings"
    assert set(events.DROPPABLE) <= set(k.values())


def test_every_kind_is_documented_in_the_module_and_the_guide():
    doc = events.__doc__
    table = read("docs/modem.md").split("### Events", 1)[1].split("\n### ", 1)[0]
    for name, value in kinds().items():
        assert re.search(r"^    " + name + r"\s", doc, re.M), name + " missing from events.py's table"
        assert "`" + value + "`" in table, value + " missing from docs/modem.md's event table"


def test_the_engine_and_operations_emit_only_named_kinds():
    for path in ("lib12333/modem/engine.py", "lib12333/modem/ops.py"):
        src = read(path)
        assert not re.search(r"emit\(\s*[\"']", src), path + " emits a kind spelled as a string"
        used = set(re.findall(r"events\.([A-Z_]+)", src)) - {"DROPPABLE"}
        assert used and used <= set(kinds()), used - set(kinds())


def test_consumers_compare_with_the_constants():
    spelled = re.compile(r"\.kind\s*(==|!=|in)\s*\(?\s*[\"']")
    for path in CONSUMERS:
        src = read(path)
        assert "events." in src, path
        assert not spelled.search(src), path + " compares ev.kind with a string"
    handler = read("firmware/app.py").split("def _on_engine_event", 1)[1].split("\n    def ", 1)[0]
    assert not re.search(r"kind\s*==\s*[\"']", handler)


def test_operations_use_only_the_context():
    src = read("lib12333/modem/ops.py")
    assert "eng" not in re.findall(r"\b(eng)\b", src) and "_eng" not in src
    used = set(re.findall(r"\bctx\.([a-z_]+)", src))
    allowed = set(operation.Context.__slots__) | {n for n in dir(operation.Context) if not n.startswith("_")}
    assert used, "ops.py does not use its context"
    assert used <= allowed, sorted(used - allowed)
    assert "from lib12333.modem.engine" not in src and "import engine" not in src
