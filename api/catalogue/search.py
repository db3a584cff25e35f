"""Turning what a citizen types into a full-text query that finds the service they mean.

PostgreSQL's ``indonesian`` Snowball stemmer handles word forms ("kelahiran" → lahir, "perizinan" → izin),
and the GIN index does the matching and the ranking. What PostgreSQL cannot do on the embedded server
(no pg_trgm there) is forgive typos, so we correct each query word against the catalogue's own vocabulary
here, with RapidFuzz's edit distance:

1. every query word is normalised, and colloquial words are mapped to formal ones (``synonyms.yaml``);
2. a word the catalogue knows is looked up; otherwise its stem (PyStemmer runs the same Snowball
   algorithm as PostgreSQL); otherwise the closest catalogue words within a small edit distance; the last
   word is also completed as a prefix (search as you type);
3. words that occur in a large share of services ("layanan", "buat") only rank, they do not filter —
   "bikin paspor" then means "paspor", ranked up where "buat" also appears;
4. the result is a pair of tsquery strings made only of catalogue lexemes: ``must`` filters, ``rank``
   orders. No user text ever reaches the query language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import msgspec
import msgspec.yaml
import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

SYNONYMS_FILE = Path(__file__).parent / "data" / "synonyms.yaml"

MAX_QUERY_WORDS = 8
# A word in more than this share of services ranks results but does not filter them.
COMMON_WORD_SHARE = 0.25
MAX_PREFIX_EXPANSIONS = 12
MAX_FUZZY_ALTERNATIVES = 3

_WORD = re.compile(r"[a-z0-9]+")


class SynonymFile(msgspec.Struct, forbid_unknown_fields=True):
    # word as typed → words the catalogue uses (all kept as alternatives)
    synonyms: dict[str, list[str]]
    # words that carry no meaning in a service search ("cara", "syarat", "gimana")
    stopwords: list[str]


@lru_cache(maxsize=1)
def _synonyms() -> SynonymFile:
    return msgspec.yaml.decode(SYNONYMS_FILE.read_bytes(), type=SynonymFile)


_stemmer = Stemmer.Stemmer("indonesian")


def normalise_words(text: str) -> list[str]:
    """Lower-case ASCII words: accents folded, punctuation and hyphens split."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return _WORD.findall(folded)


@dataclass(frozen=True)
class Vocabulary:
    """The catalogue's words, loaded from the database whenever the catalogue changes."""

    # surface word (as in the texts, normalised) → its stem as PostgreSQL computed it
    surface: dict[str, str]
    # stem → number of services whose search vector contains it
    document_frequency: dict[str, int]
    services: int
    _sorted_surface: list[str] = field(default_factory=list, repr=False)
    # stem → number of services in the search groups whose representative's vector contains it. Equal to
    # ``document_frequency`` for a word every region's copy shares; far lower for a region's own words (its name).
    group_frequency: dict[str, int] = field(default_factory=dict, repr=False)
    _by_length: dict[int, list[str]] = field(default_factory=dict, repr=False)  # surface words by length
    _position: dict[str, int] = field(default_factory=dict, repr=False)  # surface word → its place in ``surface``

    @classmethod
    def build(
        cls,
        surface: dict[str, str],
        document_frequency: dict[str, int],
        services: int,
        group_frequency: dict[str, int] | None = None,
    ) -> Vocabulary:
        by_length: dict[int, list[str]] = {}
        for word in surface:
            by_length.setdefault(len(word), []).append(word)
        position = {word: i for i, word in enumerate(surface)}
        return cls(surface, document_frequency, services, sorted(surface), group_frequency or {}, by_length, position)

    def is_common(self, stem: str) -> bool:
        return self.services > 0 and self.document_frequency.get(stem, 0) / self.services > COMMON_WORD_SHARE

    def known_stem(self, word: str) -> str | None:
        stem = self.surface.get(word)
        if stem is not None:
            return stem
        stem = _stemmer.stemWord(word)
        return stem if stem in self.document_frequency else None

    def corrections(self, word: str) -> list[str]:
        """The catalogue words closest to ``word`` within a typo's distance, the most used first.

        Only the closest distance counts: "kelahran" means "kelahiran" (one edit), not also every word
        two edits away, which would only add noise (and work) to the query.
        """
        if len(word) < 4:
            return []
        max_distance = 1 if len(word) < 7 else 2
        # Only words whose length is within the distance can be: a fifth of the vocabulary, not all of it.
        by_length = self._by_length
        choices = [
            w for n in range(len(word) - max_distance, len(word) + max_distance + 1) for w in by_length.get(n, ())
        ]
        matches = process.extract(word, choices, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=None)
        if not matches:
            return []
        best = min(m[1] for m in matches)
        closest = [m[0] for m in matches if m[1] == best]
        # Ties in the vocabulary's own order (as when every word was a choice).
        closest.sort(key=lambda w: (-self.document_frequency.get(self.surface[w], 0), self._position[w]))
        return closest[:MAX_FUZZY_ALTERNATIVES]

    def completions(self, prefix: str) -> list[str]:
        """Catalogue words starting with ``prefix``, shortest first (search as you type)."""
        if len(prefix) < 3:
            return []
        import bisect

        words = self._sorted_surface
        start = bisect.bisect_left(words, prefix)
        found: list[str] = []
        for word in words[start:]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return sorted(found, key=len)[:MAX_PREFIX_EXPANSIONS]


@dataclass(frozen=True)
class Term:
    """One query word and the catalogue stems it may mean."""

    typed: str
    stems: tuple[str, ...]
    # The word shown back to the citizen when it was corrected ("kelahran" → "kelahiran").
    shown: str
    optional: bool


@dataclass(frozen=True)
class SearchPlan:
    terms: tuple[Term, ...]
    must: str  # tsquery text; empty when nothing in the query is known to the catalogue
    rank: str
    # ``must`` restricted to the name weights (A: the Indonesian name and what people call the service;
    # plus B, the English name, for English queries): services named after every required word first.
    named: str
    # When ``must`` finds nothing: any of the words ("buat ktp" when no KTP service says "buat").
    relaxed: str
    # The query as typed and as corrected, normalised: an exact match with a service's keywords (curated
    # "what people call it") is the strongest signal there is.
    phrases: tuple[str, ...]

    @property
    def corrected(self) -> str | None:
        """The query as understood, when it differs from what was typed."""
        if not self.terms:
            return None
        shown = " ".join(t.shown for t in self.terms)
        typed = " ".join(t.typed for t in self.terms)
        return shown if shown != typed else None


def _quote(stem: str) -> str:
    # Stems come from our own vocabulary ([a-z0-9] words), but quote defensively anyway.
    return "'" + stem.replace("\\", "\\\\").replace("'", "''") + "'"


def _group(stems: Iterable[str], weight: str = "") -> str:
    parts = [_quote(s) + weight for s in stems]
    return parts[0] if len(parts) == 1 else "(" + " | ".join(parts) + ")"


def _term(word: str, vocab: Vocabulary, *, last: bool) -> Term | None:
    syn = _synonyms()
    candidates = syn.synonyms.get(word, [word])
    stems: list[str] = []
    shown = word
    for candidate in candidates:
        for part in normalise_words(candidate):
            stem = vocab.known_stem(part)
            if stem and stem not in stems:
                stems.append(stem)
    if not stems:
        fixes = vocab.corrections(word)
        stems = list(dict.fromkeys(vocab.surface[f] for f in fixes))
        if fixes:
            shown = fixes[0]
    if last:
        # Search as you type: "pasp" also means every catalogue word starting with it.
        for completion in vocab.completions(word):
            stem = vocab.surface[completion]
            if stem not in stems:
                stems.append(stem)
    if not stems:
        return None
    optional = all(vocab.is_common(s) for s in stems)
    return Term(typed=word, stems=tuple(stems), shown=shown, optional=optional)


def plan(query: str, vocab: Vocabulary, *, english: bool = False) -> SearchPlan:
    """Plan a search for ``query`` against the catalogue vocabulary."""
    stop = set(_synonyms().stopwords)
    words = [w for w in normalise_words(query) if w not in stop][:MAX_QUERY_WORDS]
    if not words:
        # Only stop words ("cara syarat"): search them as they are rather than returning nothing.
        words = normalise_words(query)[:MAX_QUERY_WORDS]
    terms = tuple(t for i, w in enumerate(words) if (t := _term(w, vocab, last=i == len(words) - 1)))
    if not terms:
        return SearchPlan(terms=(), must="", rank="", named="", relaxed="", phrases=())
    required = [t for t in terms if not t.optional] or list(terms)
    must = " & ".join(_group(t.stems) for t in required)
    named = " & ".join(_group(t.stems, ":AB" if english else ":A") for t in required)
    rank = " | ".join(_quote(s) for t in terms for s in t.stems)
    relaxed = " | ".join(_group(t.stems) for t in terms)
    phrases = tuple(dict.fromkeys((" ".join(normalise_words(query)), " ".join(t.shown for t in terms))))
    return SearchPlan(terms=terms, must=must, rank=rank, named=named, relaxed=relaxed, phrases=phrases)
