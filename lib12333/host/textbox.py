"""
Framed text for terminals: Chinese characters take two columns, so boxes are padded by display width.

Used by the kiosk's terminal display, the demo transcript and the interactive hall
(``lib12333 demo --interactive``), so every box has its right border where a terminal puts it.
"""

import unicodedata


def width(text):
    """Columns ``text`` takes in a terminal: wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def wrap(text, cols):
    """Split ``text`` into pieces of at most ``cols`` columns, between words where Latin text allows."""
    pieces, piece = [], ""
    for ch in text:
        if width(piece + ch) > cols and piece:
            cut = piece.rfind(" ") + 1  # break Latin text between words where there is a space
            if cut <= len(piece) // 2:
                cut = len(piece)  # Chinese has no spaces: break anywhere
            pieces.append(piece[:cut].rstrip())
            piece = piece[cut:]
        piece += ch
    pieces.append(piece)
    return pieces


def clip(text, cols):
    """``text`` cut to ``cols`` columns, an ellipsis marking the cut."""
    if width(text) <= cols:
        return text
    return wrap(text, cols - 1)[0] + "…"


def pad(text, cols):
    """``text`` padded with spaces to exactly ``cols`` columns (it must fit)."""
    return text + " " * (cols - width(text))


def box(title, lines, cols):
    """A framed block ``cols`` columns wide (borders included), long lines wrapped inside it."""
    inner = cols - 4
    head = "┌─ " + title + " "
    out = [head + "─" * max(0, cols - width(head) - 1) + "┐"]
    for line in lines:
        for piece in wrap(line, inner):
            out.append("│ " + pad(piece, inner) + " │")
    out.append("└" + "─" * (cols - 2) + "┘")
    return out


def side_by_side(left, right, gap=2):
    """Two blocks of lines next to each other; the shorter one is padded with blank lines."""
    left_cols = max([width(line) for line in left] or [0])
    rows = max(len(left), len(right))
    out = []
    for i in range(rows):
        a = left[i] if i < len(left) else ""
        b = right[i] if i < len(right) else ""
        out.append((pad(a, left_cols) + " " * gap + b).rstrip())
    return out
