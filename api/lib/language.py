"""The language of the request being answered, for the texts deep inside a read (catalogue names on an
application, a document type's name in the wallet) that no controller passes down.

The catalogue's routes take the language explicitly (it is part of their cache key). The reads of other
domains name services, agencies and document types from many call sites (every change to an application answers
with the application); threading a ``lang`` argument through each would touch every one of them for a detail of
presentation. Instead the request's one wrapper (``api.lib.observe``) keeps its ``Accept-Language`` in a context
variable, as Django's ``LocaleMiddleware`` activates a language per request, and the reads ask
``current_language()``.
Outside a request (the worker, the CLI) it is Indonesian, the country's language.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from functools import lru_cache
from typing import Literal

Lang = Literal["id", "en"]

# The request's raw header, parsed only when a read asks: most requests never need it.
_accept_language: ContextVar[str] = ContextVar("accept_language", default="")


# Browsers send the same few headers: each is parsed once. Only short ones are kept, so that a client sending long
# made-up headers cannot fill the process's memory (nothing else bounds this header's length but the server's).
_REMEMBERED_HEADER_CHARS = 100


def from_accept_language(header: str) -> Lang:
    """Indonesian unless the client prefers English (Accept-Language, highest quality first)."""
    return _remembered(header) if len(header) <= _REMEMBERED_HEADER_CHARS else _parse(header)


def _parse(header: str) -> Lang:
    best: tuple[float, Lang] = (0.0, "id")
    for part in header.split(",")[:10]:
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        lang: Lang | None = "id" if tag.startswith(("id", "in")) else "en" if tag.startswith("en") else None
        if lang is not None and quality > best[0]:
            best = (quality, lang)
    return best[1]


_remembered = lru_cache(maxsize=256)(_parse)


def current_language() -> Lang:
    """The language of the request being answered; Indonesian outside a request."""
    header = _accept_language.get()
    return from_accept_language(header) if header else "id"


def pick(lang: Lang, indonesian: str, english: str | None) -> str:
    return english if lang == "en" and english else indonesian


def pick_opt(lang: Lang, indonesian: str | None, english: str | None) -> str | None:
    if indonesian is None:
        return english if lang == "en" else None
    return pick(lang, indonesian, english)


def keep_accept_language(header: str) -> Token[str]:
    """Keep a request's raw ``Accept-Language`` for ``current_language()`` (``api.lib.observe`` does it for every
    request in the one middleware that reads the headers anyway); ``forget_accept_language`` with the token after."""
    return _accept_language.set(header)


def forget_accept_language(token: Token[str]) -> None:
    _accept_language.reset(token)
