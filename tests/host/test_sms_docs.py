"""Run the examples of docs/sms.md, in order, in one namespace."""

import os

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "sms.md")


def blocks():
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    out = []
    parts = text.split("```python\n")
    for p in parts[1:]:
        out.append(p.split("```", 1)[0])
    return out


def test_docs_examples_run():
    code = blocks()
    assert len(code) >= 8
    ns = {}
    for i, block in enumerate(code):
        exec(compile(block, "docs/sms.md block %d" % (i + 1), "exec"), ns)
    assert ns["decision"].sender == "12333"
