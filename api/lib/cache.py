"""Encoded answers kept in process memory, for data that changes rarely and is read constantly."""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import msgspec


class Encoded(msgspec.Struct, frozen=True):
    """A JSON body encoded once, with its strong ETag."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, value: Any) -> Encoded:
        body = msgspec.json.encode(value)
        # A validator, not a secret: SHA-1 (96 of its bits) because processors hash it in hardware: 4 µs for a
        # page of search results where BLAKE2b took 7 (a cold answer is hashed on every request).
        return cls(body=body, etag='"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:24] + '"')


async def _single_flight(
    pending: dict[tuple[Any, ...], asyncio.Future[Encoded]],
    pending_key: tuple[Any, ...],
    compute: Callable[[], Awaitable[Any]],
) -> tuple[Encoded, bool]:
    """``compute()``'s answer encoded, computed once however many ask for ``pending_key`` at the same time; True
    for the caller that computed it (the one that may keep it)."""
    waiting = pending.get(pending_key)
    if waiting is not None:
        return await asyncio.shield(waiting), False
    future: asyncio.Future[Encoded] = asyncio.get_running_loop().create_future()
    pending[pending_key] = future
    try:
        encoded = Encoded.of(await compute())
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # mark retrieved: waiters re-raise it, nobody else needs to
        raise
    finally:
        pending.pop(pending_key, None)
    future.set_result(encoded)
    return encoded, True


class ResponseCache:
    """A bounded in-process cache of encoded answers for one data version (the catalogue's).

    The catalogue changes rarely and is read constantly, with the same popular searches over and over;
    answering those from memory spares PostgreSQL and cuts latency on a busy day. Entries belong to one
    catalogue version: when the version moves, the cache empties itself.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._version = -1
        self._entries: OrderedDict[tuple[Any, ...], Encoded] = OrderedDict()
        self._pending: dict[tuple[Any, ...], asyncio.Future[Encoded]] = {}

    async def get_or_compute(
        self, version: int, key: tuple[Any, ...], compute: Callable[[], Awaitable[Any]]
    ) -> Encoded:
        """The cached answer, or ``compute()``'s, encoded — computed once however many ask at the same time.

        After a catalogue change every popular search misses at once; without this, each of the concurrent
        requests for the same answer would run the same query (a thundering herd on PostgreSQL).
        """
        found = self.get(version, key)
        if found is not None:
            return found
        encoded, computed = await _single_flight(self._pending, (version, *key), compute)
        if computed:
            self.put(version, key, encoded)
        return encoded

    def get(self, version: int, key: tuple[Any, ...]) -> Encoded | None:
        if version != self._version:
            self._entries.clear()
            self._version = version
            return None
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, version: int, key: tuple[Any, ...], value: Encoded) -> None:
        if self.max_entries <= 0 or version != self._version:
            return
        self._entries[key] = value
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class ScopedCache:
    """Encoded answers tagged with the scopes they depend on, emptied scope by scope.

    A catalogue of 514 regions is edited by 514 regions' admins: one building's new hours must not empty every
    process's whole cache. Each answer names what it was made from (a region's code; ``*`` for what every region's
    lists show), and a change empties only the answers of the scopes it names. An answer computed while one of its
    scopes changed is handed to its callers but not kept: it may show the data from before the change.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[Any, ...], tuple[Encoded, frozenset[str]]] = OrderedDict()
        self._by_scope: dict[str, set[tuple[Any, ...]]] = {}
        self._generation: dict[str, int] = {}
        self._epoch = 0  # any change: requests from then on do not join a computation started before
        self._cleared = 0  # whole clears: nothing computed across one is kept
        self._pending: dict[tuple[Any, ...], asyncio.Future[Encoded]] = {}
        # Counters, for tests and operators: answers served from memory, computed, and emptied by a change.
        self.hits = 0
        self.misses = 0
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._entries)

    def scoped(self, scope: str) -> int:
        """How many answers depend on ``scope``."""
        return len(self._by_scope.get(scope, ()))

    async def get_or_compute(
        self,
        key: tuple[Any, ...],
        compute: Callable[[], Awaitable[Any]],
        scopes: Callable[[Any], frozenset[str]],
    ) -> Encoded:
        """The cached answer, or ``compute()``'s, encoded (computed once however many ask at the same time);
        ``scopes(value)`` names what the computed value depends on."""
        found = self._hit(key)
        if found is not None:
            return found
        generations, cleared = dict(self._generation), self._cleared
        values: list[Any] = []

        async def keep() -> Any:
            values.append(await compute())
            return values[0]

        encoded, computed = await _single_flight(self._pending, (self._epoch, *key), keep)
        if computed:
            depends = scopes(values[0])
            unchanged = all(self._generation.get(s, 0) == generations.get(s, 0) for s in depends)
            if cleared == self._cleared and unchanged:
                self._put(key, encoded, depends)
        return encoded

    def get_or_make(self, key: tuple[Any, ...], make: Callable[[], Any], scopes: frozenset[str]) -> Encoded:
        """As ``get_or_compute`` for an answer made without waiting on anything (the search, from the process's own
        catalogue): nothing can change while it is made, so there is no computation to share and it is kept as is."""
        found = self._hit(key)
        if found is not None:
            return found
        encoded = Encoded.of(make())
        self._put(key, encoded, scopes)
        return encoded

    def _hit(self, key: tuple[Any, ...]) -> Encoded | None:
        """The kept answer (counted as a hit), or None (counted as a miss)."""
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found[0]

    def _put(self, key: tuple[Any, ...], value: Encoded, scopes: frozenset[str]) -> None:
        if self.max_entries <= 0:
            return
        self._drop(key)
        self._entries[key] = (value, scopes)
        for scope in scopes:
            self._by_scope.setdefault(scope, set()).add(key)
        if len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple[Any, ...]) -> None:
        found = self._entries.pop(key, None)
        if found is None:
            return
        for scope in found[1]:
            keys = self._by_scope.get(scope)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_scope[scope]

    def invalidate(self, scopes: Iterable[str]) -> None:
        """Empty the answers that depend on any of ``scopes``."""
        self._epoch += 1
        for scope in scopes:
            self._generation[scope] = self._generation.get(scope, 0) + 1
            for key in list(self._by_scope.get(scope, ())):
                self._drop(key)
                self.evicted += 1

    def clear(self) -> None:
        """Empty everything (a change that does not say what it touched; a reconnection after lost notices)."""
        self._epoch += 1
        self._cleared += 1
        self.evicted += len(self._entries)
        self._entries.clear()
        self._by_scope.clear()
