"""
Full-text search over library entries for phone agents and integrators.

Chinese is written without spaces, so the index uses **character bigrams**:
"社保卡挂失" gives 社保 保卡 卡挂 挂失.  Runs of ASCII letters and digits are kept
whole and lower-cased ("12333", "sms"); full-width letters and digits are folded
to ASCII first; a lone Chinese character between punctuation is kept as a
unigram.  Punctuation and spaces separate runs.

Common short forms are expanded at query time (``SYNONYMS``): a query with
社保卡 also looks for 社会保障卡, 社保 for 社会保险, 人社 for 人力资源社会保障, and
the other way round, so agents find entries whichever form the writer used.

Ranking is Okapi BM25 (k1 = 1.2, b = 0.75) over a weighted term frequency:
a term counts ``TITLE_WEIGHT`` (3) times in the title, ``KEYWORD_WEIGHT`` (2) in
the keywords and once in the body, so a query that matches a title outranks one
that only appears deep in a body.  Ties sort by key, so results are stable.
"""

import math

SYNONYMS = (
    ("社保卡", "社会保障卡"),  # longer short forms first
    ("社保", "社会保险"),
    ("人社", "人力资源社会保障"),
    ("医保", "医疗保险"),
    ("养老金", "养老保险"),
    ("公积金", "住房公积金"),
)

TITLE_WEIGHT = 3
KEYWORD_WEIGHT = 2
K1 = 1.2
B = 0.75


def _fold(ch):
    o = ord(ch)
    if 0xFF01 <= o <= 0xFF5E:  # full-width ASCII
        ch = chr(o - 0xFEE0)
    return ch.lower()


def _is_word(ch):
    return ("a" <= ch <= "z") or ("0" <= ch <= "9")


def _is_han(ch):
    o = ord(ch)
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


def tokens(text):
    """List of search terms of ``text`` (bigrams for Chinese, whole ASCII words)."""
    out = []
    han = []
    word = []

    def flush_han():
        if len(han) == 1:
            out.append(han[0])
        for i in range(len(han) - 1):
            out.append(han[i] + han[i + 1])
        del han[:]

    def flush_word():
        if word:
            out.append("".join(word))
            del word[:]

    for raw in text:
        ch = _fold(raw)
        if _is_han(ch):
            flush_word()
            han.append(ch)
        elif _is_word(ch):
            flush_han()
            word.append(ch)
        else:
            flush_han()
            flush_word()
    flush_han()
    flush_word()
    return out


def expand(query):
    """``query`` plus the other form of every short or long form it contains."""
    extra = []
    work = query  # matched forms are blanked so 社保 is not found again inside 社保卡
    for short, full in SYNONYMS:
        if full in work:
            extra.append(short)
            work = work.replace(full, " ")
        elif short in work:
            extra.append(full)
            work = work.replace(short, " ")
    return query if not extra else query + " " + " ".join(extra)


def _count(terms, weight, into):
    for t in terms:
        into[t] = into.get(t, 0) + weight


class SearchIndex:
    """In-memory BM25 index over objects with ``key``, ``title``, ``body`` and ``keywords``."""

    def __init__(self, entries):
        self._docs = []  # (entry, tf dict, length)
        self._df = {}
        total = 0
        for e in entries:
            tf = {}
            _count(tokens(e.title), TITLE_WEIGHT, tf)
            _count(tokens(" ".join(e.keywords)), KEYWORD_WEIGHT, tf)
            _count(tokens(e.body), 1, tf)
            length = 0
            for t in tf:
                length += tf[t]
                self._df[t] = self._df.get(t, 0) + 1
            total += length
            self._docs.append((e, tf, length))
        self._avg = (total / len(self._docs)) if self._docs else 0.0

    def __len__(self):
        return len(self._docs)

    def idf(self, term):
        n = len(self._docs)
        df = self._df.get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def search(self, query, limit=10):
        """``[(score, entry)]`` best first; an empty or punctuation-only query finds nothing."""
        terms = []
        for t in tokens(expand(query)):
            if t not in terms:
                terms.append(t)
        if not terms or not self._docs:
            return []
        weights = [(t, self.idf(t)) for t in terms if t in self._df]
        hits = []
        for e, tf, length in self._docs:
            score = 0.0
            norm = K1 * (1.0 - B + B * length / self._avg) if self._avg else K1
            for t, w in weights:
                f = tf.get(t, 0)
                if f:
                    score += w * f * (K1 + 1.0) / (f + norm)
            if score > 0.0:
                hits.append((score, e))
        hits.sort(key=lambda h: (-h[0], h[1].key))
        return hits[:limit] if limit else hits
