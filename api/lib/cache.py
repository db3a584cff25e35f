"""Encoded answers kept in process memory, for data that changes rarely and is read constantly."""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec


class Encoded(msgspec.Struct, frozen=True):
    """A JSON body encoded once, with its strong ETag."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, value: Any) -> Encoded:
        body = msgspec.json.encode(value)
        return cls(body=body, etag='"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"')


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
        pending_key = (version, *key)
        pending = self._pending.get(pending_key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Encoded] = asyncio.get_running_loop().create_future()
        self._pending[pending_key] = future
        try:
            encoded = Encoded.of(await compute())
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it, nobody else needs to
            raise
        finally:
            self._pending.pop(pending_key, None)
        future.set_result(encoded)
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
