"""My profile: who I am to officers and on issued documents (name, NIK and the birth date it encodes, KK,
contact details, language). Applying needs a complete one (``api.applications.service.checks``)."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from api.accounts import schemas
from api.accounts.assurance import assurance_sql
from api.accounts.identity import nik_birth_date, validate_nik
from api.audit.service import record
from api.lib import errors
from api.lib.errors import DomainError
from api.lib.language import current_language, pick


class InvalidProfileError(DomainError, ValueError):
    """422: a profile field that cannot be right (a NIK's own problems are ``InvalidIdentifierError``)."""

    status = 422
    code = "unprocessable"


async def get_me(conn: asyncpg.Connection, account_id: uuid.UUID) -> schemas.Me:
    row = await conn.fetchrow(
        f"""SELECT a.*, coalesce(a.nik, c.nik) AS profile_nik, g.code AS agency_code, g.name_id AS agency_name,
                  g.name_en AS agency_name_en, r.name AS region_name, r.name_en AS region_name_en,
                  EXISTS (SELECT 1 FROM auth_passkey p WHERE p.account = a.id) AS has_passkey,
                  {assurance_sql("a")} AS assurance
           FROM accounts_account a
           LEFT JOIN accounts_nik_claim c ON c.account = a.id
           LEFT JOIN catalogue_agency g ON g.id = a.agency
           LEFT JOIN catalogue_region r ON r.code = a.region
           WHERE a.id = $1""",  # noqa: S608  # assurance_sql is an expression of ours, no input
        account_id,
    )
    if row is None:
        raise errors.NotFoundError("account")
    lang = current_language()
    return schemas.Me(
        id=row["id"],
        name=row["name"],
        roles=list(row["roles"]),
        phone=row["phone"],
        language=row["language"],
        status=row["status"],
        has_passkey=row["has_passkey"],
        created_at=row["created_at"],
        assurance=row["assurance"],
        # A NIK waiting for verification (``accounts_nik_claim``) reads as the profile's NIK: see ``_set_nik``.
        nik=row["profile_nik"],
        kk=row["kk"],
        email=row["email"],
        birth_date=row["birth_date"],
        address=msgspec.json.decode(row["address"], type=schemas.Address) if row["address"] else None,
        # Catalogue names in the request's language, as on every other answer.
        agency=schemas.Ref(code=row["agency_code"], name=pick(lang, row["agency_name"], row["agency_name_en"]))
        if row["agency_code"]
        else None,
        region=schemas.Ref(code=row["region"], name=pick(lang, row["region_name"], row["region_name_en"]))
        if row["region"]
        else None,
    )


async def update_me(
    conn: asyncpg.Connection, account_id: uuid.UUID, update: schemas.MeUpdate, *, ip: str
) -> schemas.Me:
    """Change my profile. A NIK follows ``validate_nik`` (structure: 16 digits, region, birth date, serial) and
    sets the birth date it encodes; whether another account holds it is never part of the answer."""
    changes: dict[str, object] = {}
    for field in update.__struct_fields__:
        value = getattr(update, field)
        if value is not msgspec.UNSET:
            changes[field] = value
    if "name" in changes:
        changes["name"] = " ".join(str(changes["name"]).split())
        if not changes["name"]:
            raise InvalidProfileError("name must not be blank")
    nik = validate_nik(str(changes.pop("nik"))) if "nik" in changes else None
    if nik is not None:
        changes["birth_date"] = nik_birth_date(nik)[0]
    if "address" in changes and changes["address"] is not None:
        changes["address"] = msgspec.json.encode(changes["address"]).decode()
    if not changes and nik is None:
        return await get_me(conn, account_id)
    # Column names are MeUpdate's field names (plus birth_date), never input.
    assignments = "".join(f", {column} = ${i}" for i, column in enumerate(changes, start=2))
    async with conn.transaction():
        await conn.execute(
            f"UPDATE accounts_account SET updated_at = now(){assignments} WHERE id = $1",  # noqa: S608
            account_id,
            *changes.values(),
        )
        if nik is not None:
            await _set_nik(conn, account_id, nik)
        # The trail names what changed, never the values (no NIK in the audit log); a NIK held by another
        # account is recorded exactly as any other NIK change, since the person can read this trail.
        fields = sorted({*changes, *(["nik"] if nik is not None else [])} - {"birth_date"})
        await record(
            conn, action="account.updated", actor=account_id, subject=account_id, detail={"fields": fields}, ip=ip
        )
    return await get_me(conn, account_id)


async def _set_nik(conn: asyncpg.Connection, account_id: uuid.UUID, nik: str) -> None:
    """Make ``nik`` this account's NIK, answering the same whether or not another account holds it.

    A free NIK is set at once (as before the identity work). A NIK another account holds cannot be set (one
    account per person), but refusing would tell anyone with an account which NIKs have one: instead it is kept
    as this account's claim (``accounts_nik_claim``), which the profile shows as its NIK. Either way the NIK is
    only declared (assurance ``phone``): it is bound by a proof, ``api.accounts.assurance.bind_nik`` (the
    registry's match or an officer's check), which takes it from a holder that only declared it. Both paths run
    inside the caller's transaction and end in the same state as far as this account can see.
    """
    try:
        async with conn.transaction():  # a savepoint: a unique violation must not end the caller's transaction
            await conn.execute("UPDATE accounts_account SET nik = $2 WHERE id = $1", account_id, nik)
            await conn.execute("DELETE FROM accounts_nik_claim WHERE account = $1", account_id)
        return
    except asyncpg.UniqueViolationError:
        pass
    # Held by another account: this account's own (different) NIK is replaced by the claim, as a change would.
    await conn.execute("UPDATE accounts_account SET nik = NULL WHERE id = $1", account_id)
    await conn.execute(
        """INSERT INTO accounts_nik_claim (id, account, nik, created_at) VALUES ($1, $2, $3, now())
           ON CONFLICT (account) DO UPDATE SET nik = excluded.nik, created_at = excluded.created_at""",
        uuid.uuid4(),
        account_id,
        nik,
    )


async def display_name(conn: asyncpg.Connection, account_id: uuid.UUID) -> str:
    """The name others see for this account (a member of staff's, in the catalogue's version history); its phone
    number's last digits when it has no name."""
    row = await conn.fetchrow("SELECT name, phone FROM accounts_account WHERE id = $1", account_id)
    if row is None:
        return ""
    return (row["name"] or "").strip() or (f"…{row['phone'][-4:]}" if row["phone"] else "")
