"""The statements of the applications domain: SQL as named constants, data access as ``fetch_*``/``save_*``.

Our own tables are ``applications_*``. The few statements that also read other domains' tables are gathered in
the section "Deliberate exceptions" below, each with the measurement that keeps it one statement; everything
else about another domain goes through that domain's service (see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import astuple, dataclass
from typing import Any

import asyncpg

from api.accounts.service import assurance_sql
from api.applications.statuses import DRAFT, NEEDS_CORRECTION, OPEN, SUBMITTED, TimelineAction, sql_list

# --- deliberate exceptions: hot paths that read other domains' tables in the same statement ------------------
# Each one replaces several round trips on a path bench/scale_bench.py measures (bench/RESULTS.md): the inbox
# (p95 < 20 ms), the detail read that answers every change, and submission (≥ 300 applications/s). Calling the
# catalogue, accounts and wallet services instead would cost one statement per domain on each of them.

# An application's row with the names a list shows: the service, agency and region (catalogue) and the
# assigned officer's name (accounts). Used by the inbox, the citizen's list and every detail read.
# Both languages of each catalogue name: the reader's language picks one (reading.summary).
_COLUMNS = """a.*, s.name_id AS service_name, s.name_en AS service_name_en, s.code AS service_code,
           g.code AS agency_code, g.name_id AS agency_name, g.name_en AS agency_name_en, r.name AS region_name,
           r.name_en AS region_name_en, o.name AS assignee_name"""
_FROM = """
    FROM applications_application a
    JOIN catalogue_service s ON s.id = a.service
    JOIN catalogue_agency g ON g.id = a.agency
    JOIN catalogue_region r ON r.code = a.region
    LEFT JOIN accounts_account o ON o.id = a.assigned_to
"""
SELECT_SUMMARY = f"SELECT {_COLUMNS}{_FROM}"

# One statement for a whole application: its row, its timeline (with the actors' names, accounts) and its
# documents (wallet, with the type's name, catalogue) as arrays of records, instead of three round trips.
# Every detail read (citizen, officer, after each change) goes through it.
SELECT_DETAIL = (
    f"SELECT {_COLUMNS},"
    + """
           ARRAY(SELECT row(e.at, e.to_status, e.action, e.actor_role, e.from_status, e.reason, ea.name)
                 FROM applications_event e LEFT JOIN accounts_account ea ON ea.id = e.actor
                 WHERE e.application = a.id ORDER BY e.id) AS timeline_rows,
           ARRAY(SELECT row(d.id, ad.requirement, d.document_type, t.name_id, t.name_en, d.status, d.media_type,
                           d.valid_until)
                 FROM applications_document ad JOIN wallet_document d ON d.id = ad.document
                 JOIN catalogue_document_type t ON t.code = d.document_type
                 WHERE ad.application = a.id ORDER BY ad.requirement, d.id) AS document_rows,
           (SELECT """
    + assurance_sql("ap")
    + """ FROM accounts_account ap WHERE ap.id = a.applicant) AS applicant_assurance"""
    + _FROM
)

# Everything a submission or a draft is checked against, in one statement: the service (with the assurance level
# it needs) and its requirements
# (catalogue), the listed documents that are the applicant's own (wallet), the applicant's profile — NIK (or the
# NIK they declared that awaits verification, accounts_nik_claim) and name — for the complete-profile check and
# the subject (accounts), the applicant's assurance level (accounts_identity_proof, two index probes), and (for a
# submission) an application already made with the same Idempotency-Key.
# Submission is the hot path: one round trip, not five.
CONTEXT = f"""
    SELECT s.id, s.code, s.region, s.agency, s.name_id, s.name_en, s.sla_days, s.form, g.code AS agency_code,
           s.version AS service_version,
           ARRAY(SELECT row(q.document_type, q.optional) FROM catalogue_service_requirement q
                 WHERE q.service = s.id) AS requirement_rows,
           ARRAY(SELECT row(d.id, d.document_type, d.status, d.valid_until) FROM wallet_document d
                 WHERE d.id = ANY($2::uuid[]) AND d.owner = me.id AND d.deleted_at IS NULL) AS document_rows,
           coalesce(me.nik, claim.nik) AS my_nik, me.name AS my_name, x.id AS existing_id,
           x.request_hash AS existing_hash, s.assurance AS needed_assurance, {assurance_sql("me")} AS my_assurance
    FROM accounts_account me
    LEFT JOIN accounts_nik_claim claim ON claim.account = me.id
    LEFT JOIN catalogue_service s ON s.id = $1 AND s.active
    LEFT JOIN catalogue_agency g ON g.id = s.agency
    LEFT JOIN applications_application x ON x.applicant = me.id AND x.idempotency_key = $4
    WHERE me.id = $3
"""

# The anti-broker signal, part of each submission that names other people: the distinct NIKs named over the
# window that are neither the applicant's own nor a family member's (accounts), in one statement.
COUNT_STRANGERS = """
    WITH known AS (
        SELECT nik AS n FROM accounts_account WHERE id = $1 AND nik IS NOT NULL
        UNION SELECT member_nik FROM accounts_family_member WHERE account = $1 AND removed_at IS NULL)
    SELECT count(DISTINCT x) FROM applications_application a, unnest(a.named_niks) AS x
    WHERE a.applicant = $1 AND a.submitted_at > now() - make_interval(days => $2)
      AND x NOT IN (SELECT n FROM known)"""

# The officer's agency by its code and region (catalogue): the first statement of every casework request, the
# inbox's included; the catalogue has no look-up by code and region.
AGENCY_ID = "SELECT id FROM catalogue_agency WHERE code = $1 AND region = $2"

# --- our own tables ------------------------------------------------------------------------------------------

# complete: who approved the application (its last approval on the timeline), named on the result document.
DECIDER = """
    SELECT actor FROM applications_event WHERE application = $1 AND action = 'approve' ORDER BY id DESC LIMIT 1"""
# The supervisor's workload per officer (their names come from accounts.service.names).
WORKLOAD = f"""
    SELECT a.assigned_to,
           count(*) AS open,
           count(*) FILTER (WHERE a.due_date < $2 AND a.status <> '{NEEDS_CORRECTION}') AS overdue,
           count(*) FILTER (WHERE a.due_date BETWEEN $2 AND $3 AND a.status <> '{NEEDS_CORRECTION}') AS due_soon
    FROM applications_application a
    WHERE a.agency = $1 AND a.status = ANY($4::text[])
    GROUP BY a.assigned_to ORDER BY overdue DESC, open DESC"""
# The open broker flags of a region (the flagged person's name and phone come from accounts.service.people).
BROKER_FLAGS = """
    SELECT * FROM applications_broker_flag WHERE region = $1 AND reviewed_at IS NULL ORDER BY created_at DESC"""

# The open statuses written into the SQL, not passed: a generic plan can then still prove the partial inbox
# index (WHERE status IN the open ones) applies.
OPEN_CONDITION = f"a.status IN ({sql_list(OPEN)})"

# The inbox's total: the open cases of an agency in the given statuses, from the counts the triggers of
# migrations/applications/applications_2026_12_06t16_30_00_000000.py keep (a slot per backend, summed).
OPEN_COUNT = """
    SELECT coalesce(sum(n), 0)::bigint FROM applications_open_count WHERE agency = $1 AND status = ANY($2::text[])"""

# The application number, <region>-<yymm>-<serial of at least 6 digits>, drawn inside the INSERT/UPDATE that
# stores it (one round trip fewer on the hot path). $prefix is "<region>-<yymm>-".
NEXT_NUMBER = (
    "(SELECT {prefix}::text || lpad(n::text, greatest(6, length(n::text)), '0') "
    "FROM nextval('applications_number_seq') AS n)"
)
# The columns a draft and a submission store from their checks, as $2 … $9 after the id ($1).
_CONTENTS_SET = """service = $2, agency = $3, region = $4, subject_nik = $5, subject_name = $6, mandate = $7,
                   answers = $8::jsonb, sla_days = $9"""
_CONTENTS_COLUMNS = "id, service, agency, region, subject_nik, subject_name, mandate, answers, sla_days"
_CONTENTS_VALUES = "$1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9"

INSERT_DRAFT = f"""
    INSERT INTO applications_application ({_CONTENTS_COLUMNS}, applicant, status, version, flagged, created_at,
                                          updated_at)
    VALUES ({_CONTENTS_VALUES}, $10, '{DRAFT}', 1, false, now(), now())"""
UPDATE_DRAFT = f"""
    UPDATE applications_application SET {_CONTENTS_SET}, version = version + 1, updated_at = now() WHERE id = $1"""
INSERT_SUBMISSION = f"""
    INSERT INTO applications_application ({_CONTENTS_COLUMNS}, applicant, number, status, submitted_at, due_date,
                                          version, idempotency_key, request_hash, named_niks, service_version,
                                          flagged, created_at, updated_at)
    VALUES ({_CONTENTS_VALUES}, $10, {NEXT_NUMBER.format(prefix="$11")}, '{SUBMITTED}', now(), $12, 1, $13, $14,
            $15, $16, false, now(), now())
    RETURNING number"""
SUBMIT_DRAFT = f"""
    UPDATE applications_application SET {_CONTENTS_SET}, status = '{SUBMITTED}',
           number = {NEXT_NUMBER.format(prefix="$10")}, submitted_at = now(), due_date = $11, idempotency_key = $12,
           request_hash = $13, named_niks = $14, service_version = $15, version = version + 1, updated_at = now()
    WHERE id = $1 RETURNING number"""
INSERT_EVENT = """
    INSERT INTO applications_event (application, at, actor, actor_role, from_status, to_status, action, reason,
                                    detail)
    VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8::jsonb)"""


@dataclass(frozen=True)
class Contents:
    """What a draft or a submission stores from its checks: the same eight columns in each statement."""

    service: uuid.UUID
    agency: uuid.UUID
    region: str
    subject_nik: str | None
    subject_name: str
    mandate: uuid.UUID | None
    answers: dict[str, Any]
    sla_days: int

    def args(self) -> tuple[Any, ...]:
        """$2 … $9 of the statements above (the answers as JSON text for ``::jsonb``)."""
        values = astuple(self)
        return (*values[:6], json.dumps(self.answers), self.sla_days)


@dataclass(frozen=True)
class Submission:
    """What a submission stores beyond its contents: where its number starts, its deadline, its replay key, and the
    version of the service's standard it is made under (read in the same CONTEXT statement as the form it met)."""

    number_prefix: str
    due: dt.date
    idempotency_key: str
    request_hash: str
    named_niks: list[str]
    service_version: int

    def args(self) -> tuple[Any, ...]:
        """The number prefix, deadline, key, hash, named NIKs and standard version, in the statements' order after
        the contents."""
        return astuple(self)


async def save_new_draft(
    conn: asyncpg.Connection, application_id: uuid.UUID, applicant: uuid.UUID, contents: Contents
) -> None:
    await conn.execute(INSERT_DRAFT, application_id, *contents.args(), applicant)


async def save_draft_contents(conn: asyncpg.Connection, application_id: uuid.UUID, contents: Contents) -> None:
    await conn.execute(UPDATE_DRAFT, application_id, *contents.args())


async def save_new_submission(
    conn: asyncpg.Connection, application_id: uuid.UUID, applicant: uuid.UUID, contents: Contents, sub: Submission
) -> str:
    """Insert a submitted application; its number, drawn in the same statement."""
    number: str = await conn.fetchval(
        INSERT_SUBMISSION,
        application_id,
        *contents.args(),
        applicant,
        *sub.args(),
    )
    return number


async def save_submitted_draft(
    conn: asyncpg.Connection, application_id: uuid.UUID, contents: Contents, sub: Submission
) -> str:
    """Turn a locked draft into a submitted application; its number, drawn in the same statement."""
    number: str = await conn.fetchval(
        SUBMIT_DRAFT,
        application_id,
        *contents.args(),
        *sub.args(),
    )
    return number


async def save_event(
    conn: asyncpg.Connection,
    application: uuid.UUID,
    *,
    actor: uuid.UUID | None,
    role: str,
    from_status: str | None,
    to_status: str,
    action: TimelineAction,
    reason: str | None = None,
    **detail: Any,
) -> None:
    """Append to the application's timeline (the table refuses updates and deletes)."""
    await conn.execute(
        INSERT_EVENT,
        application,
        actor,
        role,
        from_status,
        to_status,
        action,
        reason,
        json.dumps(detail, default=str),
    )


async def save_move_event(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    *,
    actor: uuid.UUID,
    role: str,
    to_status: str,
    action: TimelineAction,
    **detail: Any,
) -> None:
    """The timeline entry of a move from the (locked) row's current status."""
    await save_event(
        conn,
        row["id"],
        actor=actor,
        role=role,
        from_status=row["status"],
        to_status=to_status,
        action=action,
        **detail,
    )


async def save_documents(
    conn: asyncpg.Connection, application: uuid.UUID, documents: list[tuple[uuid.UUID, str]], *, new: bool = False
) -> None:
    """Set the application's documents (one statement each way: submission is the hot path)."""
    if not new:
        await conn.execute("DELETE FROM applications_document WHERE application = $1", application)
    await conn.execute(
        """INSERT INTO applications_document (application, document, requirement)
           SELECT $1, d, r FROM unnest($2::uuid[], $3::text[]) AS x(d, r)""",
        application,
        [doc for doc, _ in documents],
        [requirement for _, requirement in documents],
    )


async def save_status(
    conn: asyncpg.Connection, application_id: uuid.UUID, status: str, extra: dict[str, Any] | None = None
) -> None:
    """Move the application to ``status`` and set the ``extra`` columns (names from our code, never input)."""
    extra = extra or {}
    sets = "".join(f", {column} = ${i}" for i, column in enumerate(extra, start=3))
    await conn.execute(
        f"UPDATE applications_application SET status = $2, version = version + 1, updated_at = now(){sets} "
        "WHERE id = $1",
        application_id,
        status,
        *extra.values(),
    )


async def fetch_own_locked(
    conn: asyncpg.Connection, applicant: uuid.UUID, application_id: uuid.UUID
) -> asyncpg.Record | None:
    """The applicant's own application, locked until the transaction ends."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM applications_application WHERE id = $1 AND applicant = $2 FOR UPDATE", application_id, applicant
    )
    return row


async def fetch_for_agency(
    conn: asyncpg.Connection, agency: uuid.UUID, application_id: uuid.UUID, *, lock: bool
) -> asyncpg.Record | None:
    """An application of this agency that is past the draft (officers never see drafts)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT * FROM applications_application WHERE id = $1 AND agency = $2 AND status <> '{DRAFT}'"
        + (" FOR UPDATE" if lock else ""),
        application_id,
        agency,
    )
    return row


async def save_broker_flag(
    conn: asyncpg.Connection, applicant: uuid.UUID, region: str, application: uuid.UUID, strangers: int, days: int
) -> None:
    """Flag this application, and the account unless an unreviewed flag of it is already open."""
    await conn.execute("UPDATE applications_application SET flagged = true WHERE id = $1", application)
    already = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM applications_broker_flag WHERE account = $1 AND reviewed_at IS NULL)", applicant
    )
    if not already:
        await conn.execute(
            """INSERT INTO applications_broker_flag (id, account, region, people, window_days, created_at)
               VALUES ($1, $2, $3, $4, $5, now())""",
            uuid.uuid4(),
            applicant,
            region,
            strangers,
            days,
        )
