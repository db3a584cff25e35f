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
4. the result is each word's catalogue stems: the required words filter, all of them rank (in memory,
   ``search_queries.py``; as tsquery text made only of catalogue lexemes for the SQL the tests compare it with).
   No user text ever reaches a query language.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import NamedTuple

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


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    return frozenset(_synonyms().stopwords)


_stemmer = Stemmer.Stemmer("indonesian")


def normalise_words(text: str) -> list[str]:
    """Lower-case ASCII words: accents folded, punctuation and hyphens split."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return _WORD.findall(folded)


def _deletions(word: str) -> set[str]:
    return {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}


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
        frequency = group_frequency or {}
        vocabulary = cls(surface, document_frequency, services, sorted(surface), frequency, by_length, position)
        vocabulary._deletions  # noqa: B018  # made with the rest of the load, not on a citizen's first typo
        return vocabulary

    def is_common(self, stem: str) -> bool:
        return stem in self._common

    @cached_property
    def _common(self) -> frozenset[str]:
        """The stems in more than COMMON_WORD_SHARE of the services: a word of the query is optional when all its
        stems are (one look-up a word instead of a division a stem)."""
        if self.services <= 0:
            return frozenset()
        return frozenset(s for s, n in self.document_frequency.items() if n / self.services > COMMON_WORD_SHARE)

    def optional(self, stems: Iterable[str]) -> bool:
        return self._common.issuperset(stems)

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
        # Most typos are one edit away, and those are found by looking up the word's deletions (a dozen dict
        # lookups) rather than measured against thousands of words; only a word with nothing one edit away and long
        # enough for two is measured against every word of a possible length.
        near = self._deletions
        candidates = {w for key in _deletions(word) for w in near.get(key, ())}
        matches = [(w, d) for w in candidates if (d := Levenshtein.distance(word, w, score_cutoff=1)) <= 1]
        if not matches and max_distance == 2:
            # Only words whose length is within the distance can be: a fifth of the vocabulary, not all of it.
            choices = self._near_length(len(word))
            matches = [(m[0], m[1]) for m in process.extract(
                word, choices, scorer=Levenshtein.distance, score_cutoff=2, limit=None
            )]  # fmt: skip
        if not matches:
            return []
        best = min(m[1] for m in matches)
        closest = [m[0] for m in matches if m[1] == best]
        # Ties in the vocabulary's own order (as when every word was a choice).
        closest.sort(key=lambda w: (-self.document_frequency.get(self.surface[w], 0), self._position[w]))
        return closest[:MAX_FUZZY_ALTERNATIVES]

    def _near_length(self, length: int) -> list[str]:
        """The words two letters shorter to two longer than ``length`` (a fifth of the vocabulary), listed once per
        length rather than for every long typo."""
        found = self._within.get(length)
        if found is None:
            by_length = self._by_length
            found = self._within[length] = [w for n in range(length - 2, length + 3) for w in by_length.get(n, ())]
        return found

    @cached_property
    def _within(self) -> dict[int, list[str]]:
        return {}

    @cached_property
    def _deletions(self) -> dict[str, list[str]]:
        """Each word, and each word with one letter deleted → the words they come from. A word one edit from a typo
        shares one of these keys with it (an insertion, a deletion or a substitution: the same letter deleted from
        both). Made with the load (``build``): 27,744 keys for the demo's 3,787 words, 31,312 for the national
        catalogue's 4,283; 15 and 25 ms."""
        index: dict[str, list[str]] = {}
        for word in self.surface:
            for key in _deletions(word):
                index.setdefault(key, []).append(word)
        return index

    def completions(self, prefix: str) -> list[str]:
        """Catalogue words starting with ``prefix``, shortest first (search as you type)."""
        if len(prefix) < 3:
            return []
        words = self._sorted_surface
        start = bisect.bisect_left(words, prefix)
        # Every word with the prefix sorts before the prefix followed by DEL (words are ASCII letters and digits).
        found = words[start : bisect.bisect_left(words, prefix + "\x7f", start)]
        return sorted(found, key=len)[:MAX_PREFIX_EXPANSIONS]


class Term(NamedTuple):
    """One query word and the catalogue stems it may mean (a tuple: made for every word of every search, and a
    frozen dataclass costs several times a tuple to make)."""

    typed: str
    stems: tuple[str, ...]
    # The word shown back to the citizen when it was corrected ("kelahran" → "kelahiran").
    shown: str
    optional: bool


@dataclass(frozen=True)
class SearchPlan:
    terms: tuple[Term, ...]
    # The query as typed and as corrected, normalised: an exact match with a service's keywords (curated
    # "what people call it") is the strongest signal there is.
    phrases: tuple[str, ...]
    english: bool = False

    # The plan as tsquery text, for PostgreSQL (the search itself ranks in memory from ``terms``; the text is made
    # only when asked for: by the SQL the tests compare the search with).
    @cached_property
    def must(self) -> str:
        """Every required word (one of its stems); empty when nothing in the query is known to the catalogue."""
        return " & ".join(_group(t.stems) for t in self.required)

    @cached_property
    def named(self) -> str:
        """``must`` restricted to the name weights (A: the Indonesian name and what people call the service;
        plus B, the English name, for English queries): services named after every required word first."""
        return " & ".join(_group(t.stems, ":AB" if self.english else ":A") for t in self.required)

    @cached_property
    def rank(self) -> str:
        return " | ".join(_quote(s) for t in self.terms for s in t.stems)

    @cached_property
    def relaxed(self) -> str:
        """When ``must`` finds nothing: any of the words ("buat ktp" when no KTP service says "buat")."""
        return " | ".join(_group(t.stems) for t in self.terms)

    @property
    def required(self) -> tuple[Term, ...]:
        """The words that filter: all but the common ones, unless all are common."""
        return tuple(t for t in self.terms if not t.optional) or self.terms

    @property
    def may_relax(self) -> bool:
        """Whether ``relaxed`` asks for less than ``must`` (several words: any of them instead of all)."""
        return len(self.terms) > 1

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
        # The word itself is normalised already; a synonym may be several words ("kartu keluarga").
        for part in (candidate,) if candidate is word else normalise_words(candidate):
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
    optional = vocab.optional(stems)
    return Term(typed=word, stems=tuple(stems), shown=shown, optional=optional)


def plan(query: str, vocab: Vocabulary, *, english: bool = False) -> SearchPlan:
    """Plan a search for ``query`` against the catalogue vocabulary."""
    stop = _stopwords()
    every = normalise_words(query)
    words = [w for w in every if w not in stop][:MAX_QUERY_WORDS]
    if not words:
        # Only stop words ("cara syarat"): search them as they are rather than returning nothing.
        words = every[:MAX_QUERY_WORDS]
    terms = tuple(t for i, w in enumerate(words) if (t := _term(w, vocab, last=i == len(words) - 1)))
    if not terms:
        return SearchPlan(terms=(), phrases=(), english=english)
    phrases = tuple(dict.fromkeys((" ".join(every), " ".join(t.shown for t in terms))))
    return SearchPlan(terms=terms, phrases=phrases, english=english)
