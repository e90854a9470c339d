"""
Merging the three levels of the library into the view of one region on one day.

The ministry keeps the national library; each province extends it and each
city extends its province's (人社厅发〔2010〕92号).  ``merge(entries, region, day)``
computes what an agent or a kiosk in ``region`` sees on ``day`` (ISO date):

1. **Scope.**  National entries always count; provincial entries count when their
   region is ``region``'s province; city entries when their region is ``region``'s
   city.  Entries of other provinces and cities are ignored.
2. **Validity.**  An entry outside ``[valid_from, valid_to]`` on ``day`` drops out
   (both ends inclusive, either may be open).  This happens *before* overriding,
   so an expired city entry lets the provincial or national one show through.
3. **Versions.**  Among entries with the same key at the same level, the highest
   ``version`` wins.  Two entries with the same key, level and version but
   different content are a **conflict**: it is reported, and the one with the
   later ``source_date``, then the smaller content, is kept so the result does
   not depend on input order.  Identical duplicates are merged silently.
4. **Override.**  For each key the entry of the highest level wins: city over
   provincial over national.  Keys present at only one level are simply added.

The result lists entries sorted by ``(category, key)``; it is the same for any
order of the input.
"""

from lib12333.library.entry import region_scope


class Conflict:
    """Same key, level and version with different content; ``kept`` won, ``other`` lost."""

    __slots__ = ("key", "level", "region", "version", "kept", "other")

    def __init__(self, kept, other):
        self.key = kept.key
        self.level = kept.level
        self.region = kept.region
        self.version = kept.version
        self.kept = kept
        self.other = other

    def describe(self):
        where = self.level + (" " + self.region if self.region else "")
        return ("conflict: key " + self.key + " at " + where + " version " + str(self.version)
                + " has two different contents (kept " + self.kept.source_doc + " " + self.kept.source_date
                + ", other " + self.other.source_doc + " " + self.other.source_date + ")")


class MergeResult:
    """``entries`` (sorted by category, key), ``conflicts``, ``expired`` (count), ``overridden`` (count)."""

    __slots__ = ("entries", "conflicts", "expired", "overridden")

    def __init__(self, entries, conflicts, expired, overridden):
        self.entries = entries
        self.conflicts = conflicts
        self.expired = expired
        self.overridden = overridden

    def by_key(self):
        out = {}
        for e in self.entries:
            out[e.key] = e
        return out


def in_scope(entry, region):
    scope = region_scope(region)
    if entry.level == "national":
        return True
    if entry.level == "provincial":
        return scope[1] is not None and entry.region == scope[1]
    return scope[2] is not None and entry.region == scope[2]


def _content_key(entry):
    # a total order on content that does not depend on input order
    c = entry.content()
    return (c[0], c[1], c[2], c[3], "\x1f".join(c[4]), c[5], c[6], c[7] or "", c[8] or "")


def _prefer(a, b):
    """Deterministic winner among two same-version entries with different content."""
    if a.source_date != b.source_date:
        return a if a.source_date > b.source_date else b
    return a if _content_key(a) <= _content_key(b) else b


def merge(entries, region, day):
    """Merge ``entries`` for ``region`` ("" = national only) on ISO date ``day``."""
    expired = 0
    best = {}  # (key, rank) -> entry
    clashes = {}  # (key, rank) -> list of losing entries with the same version
    for e in entries:
        if not in_scope(e, region):
            continue
        if not e.is_valid_on(day):
            expired += 1
            continue
        slot = (e.key, e.rank())
        cur = best.get(slot)
        if cur is None or e.version > cur.version:
            best[slot] = e
            clashes.pop(slot, None)
        elif e.version == cur.version and e.content() != cur.content():
            win = _prefer(cur, e)
            lose = e if win is cur else cur
            best[slot] = win
            lst = clashes.setdefault(slot, [])
            lst.append(lose)
    chosen = {}
    overridden = 0
    for slot in best:
        key = slot[0]
        e = best[slot]
        cur = chosen.get(key)
        if cur is None:
            chosen[key] = e
        else:
            overridden += 1
            if e.rank() > cur.rank():
                chosen[key] = e
    conflicts = []
    for slot in clashes:
        kept = best[slot]
        seen = []
        for other in clashes[slot]:
            ck = _content_key(other)
            if other.content() != kept.content() and ck not in seen:
                seen.append(ck)
                conflicts.append(Conflict(kept, other))
    conflicts.sort(key=lambda c: (c.key, c.level, _content_key(c.other)))
    result = [chosen[k] for k in chosen]
    result.sort(key=lambda e: (e.category, e.key))
    return MergeResult(result, conflicts, expired, overridden)
