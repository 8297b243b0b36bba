"""Accent-free, Dutch-aware search text.

Every product (and package) keeps a ``search_text``: its folded words followed by their light Dutch
stems, space-separated with a space at both ends. A query term matches when some word starts with the
folded term (``aardb`` finds ``aardbeien``) or some stem ends with the term's stem, which catches Dutch
compounds whose head comes last (``kaas`` finds ``hoevekaas``) and plural forms (``kazen`` -> ``kas``).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import and_, or_

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8

_NON_WORD = re.compile(r"[^a-z0-9]+")
_DOUBLE_VOWEL = re.compile(r"(aa|ee|oo|uu)")
_DOUBLE_CONSONANT = re.compile(r"([bcdfghjklmnpqrstvwxz])\1$")

# Letters that Unicode decomposition leaves whole, spelled out the way people type them (boeuf, Straße).
_SPELLED_OUT = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d"}
)

STOPWORDS = frozenset(
    "de het een en van met in op voor of aan per uit la le les des du et au aux the of and with a an".split()
)


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation: ``Paté, Hoevekaas!`` -> ``pate hoevekaas``."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_SPELLED_OUT))
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", without_marks.lower()).strip()


def slugify(text: str, max_length: int = 150) -> str:
    """The folded words joined by hyphens, at most ``max_length`` long: ``Sint-Niklaas`` -> ``sint-niklaas``."""
    return fold(text).replace(" ", "-")[:max_length].strip("-")


def stem(word: str) -> str:
    """A light Dutch stem that makes singular and plural meet: kaas/kazen -> kas, appel/appels -> appel,
    praline/pralines -> praline."""
    w = word
    for suffix in ("tjes", "etjes", "jes", "tje", "je"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    else:
        if len(w) > 4 and w.endswith("en"):
            w = w[:-2]
            w = _DOUBLE_CONSONANT.sub(r"\1", w)
        elif len(w) > 4 and re.search(r"e[lrmn]?s$", w):
            # appels, wafels, pralines: plurals in -s after an unstressed e
            w = w[:-1]
    if w.endswith("z"):
        w = w[:-1] + "s"
    elif w.endswith("v"):
        w = w[:-1] + "f"
    return _DOUBLE_VOWEL.sub(lambda m: m.group(0)[0], w)


def build_search_text(*texts: str) -> str:
    """The stored form: folded words, then their stems, between spaces."""
    words: list[str] = []
    for text in texts:
        for word in fold(text).split():
            if word not in words:
                words.append(word)
    stems = [s for s in dict.fromkeys(stem(w) for w in words) if s not in words]
    return " " + " ".join(words + stems) + " "


def parse_query(query: str) -> list[str]:
    """Folded query terms, without stop words, at most MAX_TERMS of them."""
    terms = [t for t in fold((query or "")[:MAX_QUERY_LENGTH]).split() if t not in STOPWORDS]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def match_clause(column, terms: list[str]):
    """SQL condition: every term matches (AND), each by word prefix or stem suffix."""
    conditions = []
    for term in terms:
        conditions.append(or_(column.like(f"% {term}%"), column.like(f"%{stem(term)} %")))
    return and_(*conditions)


def matches(search_text: str, terms: list[str]) -> bool:
    """The same rule as match_clause, in Python, for the few rows already loaded (the packages)."""
    return all(f" {term}" in search_text or f"{stem(term)} " in search_text for term in terms)
