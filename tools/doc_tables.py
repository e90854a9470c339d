"""Print a generated Markdown table, or with --write put it between its markers in a document."""


def print_or_write(argv, text, doc_path, begin, end, anchor=None):
    """``text`` runs from ``begin`` to ``end``; without markers in the document it goes after ``anchor``."""
    if "--write" not in argv:
        print(text)
        return 0
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    if begin in doc:
        doc = doc[:doc.index(begin)] + text + doc[doc.index(end) + len(end):]
    else:
        doc = doc.replace(anchor, anchor + "\n" + text + "\n", 1)
    with open(doc_path, "w", encoding="utf-8") as f:
        f.write(doc)
    return 0
