"""The search vocabulary every API process reloads on each catalogue change (bench/publish_bench.py measures it).

It is read from each distinct text once rather than from every service's whole text (most texts repeat in every
region); these tests hold it to the words of the straightforward query it replaced.
"""

from __future__ import annotations

import random
import string

import asyncpg
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from api.catalogue.search import COMMON_WORD_SHARE, MAX_FUZZY_ALTERNATIVES, MAX_PREFIX_EXPANSIONS, Vocabulary
from api.catalogue.service import load_vocabulary

# The query before the change: one concatenated text per active service.
REFERENCE_SQL = """
WITH surface AS (
    SELECT word FROM ts_stat($q$
        SELECT to_tsvector('simple',
            s.name_id || ' ' || array_to_string(s.keywords, ' ') || ' ' || s.name_en || ' ' || a.short_name || ' '
            || replace(a.code, '_', ' ') || ' ' || s.description_id || ' ' || coalesce(s.output_id, '') || ' '
            || a.name_id || ' ' || s.description_en || ' ' || coalesce(s.output_en, ''))
        FROM catalogue_service s JOIN catalogue_agency a ON a.id = s.agency WHERE s.active
    $q$) WHERE word ~ '^[a-z0-9]+$'
)
SELECT word, (tsvector_to_array(to_tsvector('indonesian', word)))[1] AS stem FROM surface
"""


async def reference(db: asyncpg.Connection) -> dict[str, str]:
    return {r["word"]: r["stem"] for r in await db.fetch(REFERENCE_SQL) if r["stem"]}


async def test_the_vocabulary_has_exactly_the_words_of_every_active_services_texts(db: asyncpg.Connection) -> None:
    vocabulary = await load_vocabulary(db)
    expected = await reference(db)
    assert len(expected) > 1000  # the demo catalogue, not an empty table
    assert vocabulary.surface == expected


async def test_hyphens_missing_outputs_and_inactive_services(db: asyncpg.Connection) -> None:
    """Words split at hyphens as in one text; a service without an output still counts; a hidden one does not."""
    service = await db.fetchrow("SELECT id, keywords FROM catalogue_service WHERE active LIMIT 1")
    # Rolled back at the end: the session's database is shared by every test.
    transaction = db.transaction()
    await transaction.start()
    try:
        await db.execute(
            "UPDATE catalogue_service SET keywords = keywords || ARRAY['zqhyphen-zqjoined'], output_id = NULL"
            " WHERE id = $1",
            service["id"],
        )
        words = (await load_vocabulary(db)).surface
        assert {"zqhyphen", "zqjoined"} <= words.keys()
        assert words == await reference(db)
        await db.execute("UPDATE catalogue_service SET active = false WHERE id = $1", service["id"])
        words = (await load_vocabulary(db)).surface
        assert "zqhyphen" not in words
        assert words == await reference(db)
    finally:
        await transaction.rollback()
    assert await db.fetchval("SELECT keywords FROM catalogue_service WHERE id = $1", service["id"]) == list(
        service["keywords"]
    )


def measured_corrections(vocabulary: Vocabulary, word: str) -> list[str]:
    """Typo corrections as they were before the deletion index: every word of a possible length measured."""
    if len(word) < 4:
        return []
    distance = 1 if len(word) < 7 else 2
    choices = [w for w in vocabulary.surface if abs(len(w) - len(word)) <= distance]
    matches = process.extract(word, choices, scorer=Levenshtein.distance, score_cutoff=distance, limit=None)
    if not matches:
        return []
    best = min(m[1] for m in matches)
    order = list(vocabulary.surface)
    closest = sorted(
        (m[0] for m in matches if m[1] == best),
        key=lambda w: (-vocabulary.document_frequency.get(vocabulary.surface[w], 0), order.index(w)),
    )
    return closest[:MAX_FUZZY_ALTERNATIVES]


def typos(word: str, rng: random.Random) -> list[str]:
    """One of each kind of typo: a letter dropped, one added, one replaced, two swapped, and two edits at once."""
    i = rng.randrange(len(word))
    letter = rng.choice(string.ascii_lowercase)
    swapped = word[:i] + word[i + 1 : i + 2] + word[i : i + 1] + word[i + 2 :]
    dropped = word[:i] + word[i + 1 :]
    j = rng.randrange(len(dropped))
    twice = dropped[:j] + letter + dropped[j + 1 :]
    return [dropped, word[:i] + letter + word[i:], word[:i] + letter + word[i + 1 :], swapped, twice]


async def test_corrections_by_deletions_are_the_measured_ones(db: asyncpg.Connection) -> None:
    vocabulary = await load_vocabulary(db)
    rng = random.Random(21)
    words = [w for w in vocabulary.surface if len(w) >= 4]
    typed = {t for w in rng.sample(words, 250) for t in typos(w, rng)} | {"kelahran", "kluarga", "kematain", "usha"}
    corrected = 0
    for word in sorted(typed):
        expected = measured_corrections(vocabulary, word)
        assert vocabulary.corrections(word) == expected, word
        corrected += bool(expected)
    assert corrected > 500  # most typos found their word: the comparison saw real corrections


async def test_completions_are_every_word_with_the_prefix_shortest_first(db: asyncpg.Connection) -> None:
    # The words with a prefix are found by two bisections of the sorted vocabulary, not by a scan of it.
    vocabulary = await load_vocabulary(db)
    words = sorted(vocabulary.surface)
    prefixes = {w[:n] for w in words[::7] for n in (3, 4, 6)} | {"zzz", "999", "pasp", "ktp", "a0"}
    completed = 0
    for prefix in sorted(prefixes):
        expected = sorted((w for w in words if w.startswith(prefix)), key=len)[:MAX_PREFIX_EXPANSIONS]
        expected = expected if len(prefix) >= 3 else []
        assert vocabulary.completions(prefix) == expected, prefix
        completed += len(expected) > 1
    assert completed > 100  # prefixes that several words share were compared, not only exact words


async def test_a_word_is_optional_when_every_stem_of_it_is_common(db: asyncpg.Connection) -> None:
    vocabulary = await load_vocabulary(db)
    share = {s: n / vocabulary.services for s, n in vocabulary.document_frequency.items()}
    common = [s for s, x in share.items() if x > COMMON_WORD_SHARE]
    rare = [s for s, x in share.items() if x <= COMMON_WORD_SHARE]
    assert common and rare
    assert vocabulary.optional(common[:3])
    assert not vocabulary.optional([*common[:2], rare[0]])
    assert all(vocabulary.is_common(s) == (share[s] > COMMON_WORD_SHARE) for s in share)
