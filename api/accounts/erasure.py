"""The erasure job: carries out deletion requests once their hold has passed (UU 27/2022 Pasal 8 and 16).

Each account is erased in one transaction that holds its row (``FOR UPDATE SKIP LOCKED``): any number of
workers may run the job at once, each takes a different account, and an erased account is ``deleted``, so no
worker finds it again; the erasure record's unique ``account`` would refuse a second one regardless. Blobs are
deleted first, inside that transaction: deleting a blob is idempotent, so if anything later fails the
transaction rolls back, the account is still waiting, and the next round does it all again.

What goes and what stays is each domain's to say (``erase`` in the wallet, applications, notifications and
auth services); this module erases the account's own rows and writes the append-only erasure record.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import secrets
import uuid
from typing import Any

import asyncpg
import msgspec

from api.accounts.data_rights import RETENTION
from api.applications.service import personal_data as applications_data
from api.audit.service import record
from api.auth import service as auth
from api.federation import service as federation
from api.feedback import personal_data as feedback_data
from api.lib.blobs import BlobError, BlobStore
from api.lib.errors import DomainError
from api.lib.periodic import run_every
from api.notifications import service as notifications
from api.oidc import personal_data as oidc_data
from api.outbox.service import forget_recipient
from api.queue import personal_data as queue_data
from api.wallet.service import personal_data as wallet_data

log = logging.getLogger(__name__)
EVERY_SECONDS = 600
BATCH = 20


def placeholder_phone() -> str:
    """A number for an erased account's NOT NULL, unique phone: +62 80…, a prefix no Indonesian mobile number
    has (they start 08[1-9]), so it is nobody's number and cannot be traced back to the one it replaced."""
    return "+6280" + "".join(secrets.choice("0123456789") for _ in range(10))


async def _erase_account(conn: asyncpg.Connection, blobs: BlobStore, row: asyncpg.Record) -> dict[str, Any]:
    """Everything but what the law keeps, for one locked account row; returns what was erased, per domain."""
    account = row["id"]
    erased: dict[str, Any] = {
        "wallet": await wallet_data.erase(conn, blobs, owner=account),
        "applications": await applications_data.erase(conn, applicant=account),
        "notifications": await notifications.erase(conn, account=account),
        "auth": await auth.erase(conn, account=account, phone=row["phone"]),
        # Future bookings give their seats back; past bookings and tickets stay as counts, without the person.
        "queue": await queue_data.erase(conn, account=account, now=dt.datetime.now(dt.UTC)),
        # Complaints stay the agency's record without their author (open ones withdrawn); invitations unlinked.
        "feedback": await feedback_data.erase(conn, account=account, now=dt.datetime.now(dt.UTC)),
        # Single sign-on: consents and tokens go; links to the national identity provider too (a later sign-in
        # there starts afresh instead of being refused).
        "oidc": await oidc_data.erase(conn, account=account),
        "federation": await federation.erase(conn, account=account),
    }
    erased["notifications"]["outboxMessages"] = await forget_recipient(conn, account)
    # A family member that a (now revoked) mandate names stays as an empty row: the mandate, and any
    # application made under it, must keep pointing at something.
    unlinked: str = await conn.execute(
        """DELETE FROM accounts_family_member f WHERE account = $1
           AND NOT EXISTS (SELECT 1 FROM accounts_mandate m WHERE m.member = f.id)""",
        account,
    )
    emptied: str = await conn.execute(
        """UPDATE accounts_family_member SET member_nik = '', member_name = '', kk = '',
                  removed_at = coalesce(removed_at, now())
           WHERE account = $1""",
        account,
    )
    claims: str = await conn.execute("DELETE FROM accounts_nik_claim WHERE account = $1", account)
    # Proofs hold the full NIK; the account row survives (anonymised), so the cascade would never remove them.
    proofs: str = await conn.execute("DELETE FROM accounts_identity_proof WHERE account = $1", account)
    erased["accounts"] = {
        "familyMembersDeleted": int(unlinked.split()[-1]),
        "familyMembersEmptied": int(emptied.split()[-1]),
        "nikClaims": int(claims.split()[-1]),
        "identityProofs": int(proofs.split()[-1]),
    }
    while True:
        try:
            async with conn.transaction():  # a savepoint: a taken placeholder is retried, not fatal
                await conn.execute(
                    """UPDATE accounts_account SET status = 'deleted', name = '', nik = NULL, kk = NULL, email = NULL,
                              birth_date = NULL, address = NULL, phone = $2, updated_at = now()
                       WHERE id = $1""",
                    account,
                    placeholder_phone(),
                )
            break
        except asyncpg.UniqueViolationError:
            continue
    return erased


async def erase_next(
    conn: asyncpg.Connection, blobs: BlobStore, *, hold: dt.timedelta, skip: list[uuid.UUID]
) -> uuid.UUID | None:
    """Erase the account whose request is oldest among those past the hold and not taken by another worker
    (nor in ``skip``). Returns its id, or None when there is none."""
    async with conn.transaction():
        row = await conn.fetchrow(
            """SELECT id, phone, deletion_requested_at FROM accounts_account
               WHERE status = 'deletion_requested' AND deletion_requested_at <= now() - $1::interval
                 AND id <> ALL($2::uuid[])
               ORDER BY deletion_requested_at LIMIT 1 FOR UPDATE SKIP LOCKED""",
            hold,
            skip,
        )
        if row is None:
            return None
        try:
            async with conn.transaction():  # a savepoint: a failure undoes this account's erasure only
                erased = await _erase_account(conn, blobs, row)
                await conn.execute(
                    """INSERT INTO accounts_erasure (id, account, requested_at, erased_at, erased, kept)
                       VALUES ($1, $2, $3, now(), $4::jsonb, $5::jsonb)""",
                    uuid.uuid4(),
                    row["id"],
                    row["deletion_requested_at"],
                    json.dumps(erased),
                    json.dumps(msgspec.to_builtins(RETENTION)),
                )
                await record(conn, action="account.erased", actor=None, subject=row["id"], detail=erased)
        except (OSError, BlobError, asyncpg.PostgresError) as exc:
            log.warning("erasure of account %s failed, left for the next round: %s", row["id"], exc)
            raise _ErasureFailedError(row["id"]) from exc
    erased_id: uuid.UUID = row["id"]
    return erased_id


async def erase_due(
    conn: asyncpg.Connection, blobs: BlobStore, *, hold: dt.timedelta, limit: int = BATCH
) -> list[uuid.UUID]:
    """Erase up to ``limit`` accounts whose hold has passed; an account that fails (the blob store is down) is
    logged and left for the next round, and does not stop the others."""
    done: list[uuid.UUID] = []
    failed: list[uuid.UUID] = []
    while len(done) < limit:
        try:
            erased = await erase_next(conn, blobs, hold=hold, skip=failed)
        except _ErasureFailedError as exc:
            failed.append(exc.account)
            continue
        if erased is None:
            break
        done.append(erased)
    return done


class _ErasureFailedError(DomainError):
    """Internal to the job (never reaches a request): one account could not be erased this round."""

    status = 503
    code = "erasure_failed"

    def __init__(self, account: uuid.UUID) -> None:
        super().__init__(f"account {account} could not be erased this round")
        self.account = account


async def run_forever(dsn: str, stop: asyncio.Event, *, blobs: BlobStore, hold: dt.timedelta) -> None:
    """Erase what is due every ten minutes until ``stop`` is set; a database outage only delays it."""

    async def step(conn: asyncpg.Connection) -> str:
        erased = await erase_due(conn, blobs, hold=hold)
        return f"erased {len(erased)} account(s)" if erased else ""

    await run_every(EVERY_SECONDS, stop, step, dsn=dsn, name="erasure", logger=log)
