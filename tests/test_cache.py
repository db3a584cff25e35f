"""The in-process answer cache: bounded, per data version, and one computation per key at a time."""

from __future__ import annotations

import asyncio

import pytest

from api.lib.cache import Encoded, ResponseCache


async def test_concurrent_misses_compute_once() -> None:
    cache = ResponseCache(10)
    calls = 0

    async def compute() -> dict[str, int]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return {"answer": 42}

    answers = await asyncio.gather(*(cache.get_or_compute(1, ("k",), compute) for _ in range(20)))
    assert calls == 1
    assert {a.body for a in answers} == {b'{"answer":42}'}
    assert await cache.get_or_compute(1, ("k",), compute) is answers[0]
    assert calls == 1


async def test_a_new_version_empties_the_cache() -> None:
    cache = ResponseCache(10)
    cache.get(1, ("k",))
    cache.put(1, ("k",), Encoded.of([1]))
    assert cache.get(1, ("k",)) is not None
    assert cache.get(2, ("k",)) is None
    assert cache.get(1, ("k",)) is None  # an old version's entries are gone, not resurrected


async def test_least_recently_used_entries_leave_first() -> None:
    cache = ResponseCache(2)
    cache.get(1, ("a",))
    for key in ("a", "b"):
        cache.put(1, (key,), Encoded.of(key))
    assert cache.get(1, ("a",)) is not None  # "a" is now the most recent
    cache.put(1, ("c",), Encoded.of("c"))
    assert cache.get(1, ("b",)) is None
    assert cache.get(1, ("a",)) is not None and cache.get(1, ("c",)) is not None


async def test_failures_are_not_cached_and_reach_every_waiter() -> None:
    cache = ResponseCache(10)

    async def broken() -> None:
        await asyncio.sleep(0.01)
        raise LookupError("no such service")

    results = await asyncio.gather(*(cache.get_or_compute(1, ("x",), broken) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, LookupError) for r in results)
    with pytest.raises(LookupError):
        await cache.get_or_compute(1, ("x",), broken)


async def test_disabled_cache_still_answers() -> None:
    cache = ResponseCache(0)

    async def compute() -> str:
        return "fresh"

    assert (await cache.get_or_compute(1, ("k",), compute)).body == b'"fresh"'
    assert cache.get(1, ("k",)) is None
