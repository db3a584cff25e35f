"""The language an account chose (``accounts_account.language``, set with ``PATCH /api/v1/me``), for texts that
reach a person outside the app: SMS codes and warnings. Push and inbox texts read it in the notification
worker's own batch statement."""

from __future__ import annotations

import uuid

import asyncpg

from api.lib.language import Lang


def _lang(value: str | None) -> Lang | None:
    return "en" if value == "en" else "id" if value == "id" else None


async def language_of_phone(conn: asyncpg.Connection, phone: str) -> Lang | None:
    """The chosen language of the account with this (normalised) number; None when no account has it yet."""
    return _lang(await conn.fetchval("SELECT language FROM accounts_account WHERE phone = $1", phone))


async def language_of(conn: asyncpg.Connection, account_id: uuid.UUID) -> Lang:
    """The account's chosen language (Indonesian if the account is gone)."""
    return _lang(await conn.fetchval("SELECT language FROM accounts_account WHERE id = $1", account_id)) or "id"


async def save_first_language(conn: asyncpg.Connection, account_id: uuid.UUID, lang: Lang) -> None:
    """A new account starts in the language its first sign-in was made in (the app's choice on that device)."""
    await conn.execute("UPDATE accounts_account SET language = $2 WHERE id = $1", account_id, lang)
