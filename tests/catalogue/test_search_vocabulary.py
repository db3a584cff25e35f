"""The search vocabulary every API process reloads on each catalogue change (bench/publish_bench.py measures it).

It is read from each distinct text once rather than from every service's whole text (most texts repeat in every
region); these tests hold it to the words of the straightforward query it replaced.
"""

from __future__ import annotations

import asyncpg

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
