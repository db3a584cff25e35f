"""Applications and casework: one state machine, enforced here, for every service of every agency.

    draft ──submit──▶ submitted ──start_review──▶ in_review ──approve──▶ approved ──complete──▶ completed
                          │                        │   ▲  └──reject──▶ rejected
                          │                        │   │
                          │           request_correction  resubmit (the citizen fixes it)
                          │                        ▼   │
                          │                   needs_correction   (the deadline is paused)
                          └── withdraw (citizen, before a decision) ──▶ withdrawn

Every transition locks the row, checks the version the caller saw (412 when stale), checks that the move is
legal from the current state (409 otherwise), appends to the immutable timeline, and writes an outbox message
— all in one transaction. No HTTP here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import msgspec.yaml

from api.accounts.service import mandate_allows
from api.applications import result_pdf, schemas
from api.applications.calendar import calendar
from api.applications.forms import check_answers, niks_in
from api.audit.service import record
from api.lib.errors import FieldError
from api.lib.staff import Officer
from api.outbox.service import enqueue
from api.wallet import service as wallet
from api.wallet.service import Wallet

OPEN = ("submitted", "in_review", "needs_correction", "approved")
DECIDED = ("approved", "completed", "rejected")
# action: (from states, to state, who may do it)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "submit": (("draft",), "submitted", "citizen"),
    "start_review": (("submitted",), "in_review", "officer"),
    "request_correction": (("in_review",), "needs_correction", "officer"),
    "resubmit": (("needs_correction",), "in_review", "citizen"),
    "approve": (("in_review",), "approved", "officer"),
    "reject": (("submitted", "in_review"), "rejected", "officer"),
    "complete": (("approved",), "completed", "officer"),
    "withdraw": (("draft", "submitted", "in_review", "needs_correction"), "withdrawn", "citizen"),
}
NEEDS_REASON = {"request_correction", "reject"}
DUE_SOON_WORKING_DAYS = 2
BROKER_WINDOW_DAYS = 30
BROKER_PEOPLE = 5
# The application number, <region>-<yymm>-<serial of at least 6 digits>, drawn inside the INSERT/UPDATE that
# stores it (one round trip fewer on the hot path). $prefix is "<region>-<yymm>-".
NEXT_NUMBER = (
    "(SELECT {prefix}::text || lpad(n::text, greatest(6, length(n::text)), '0') "
    "FROM nextval('applications_number_seq') AS n)"
)
OUTPUT_TYPES_FILE = Path(__file__).parent / "data" / "output_types.yaml"


class ApplicationNotFoundError(LookupError):
    """No such application for this caller (another citizen's, another agency's: the same answer)."""


class IllegalTransitionError(Exception):
    """The move is not allowed from the application's current state."""


class StaleVersionError(Exception):
    """The caller acted on an older version than the stored one."""


class InvalidApplicationError(ValueError):
    """The submission does not satisfy the service: field errors say what to fix."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class IdempotencyConflictError(Exception):
    """The Idempotency-Key was used before with another request body."""


class NoMandateError(Exception):
    """Applying for someone else without a mandate that covers this service."""


@lru_cache(maxsize=1)
def output_types() -> dict[str, str]:
    return msgspec.yaml.decode(OUTPUT_TYPES_FILE.read_bytes(), type=dict[str, str])


# Province codes by time zone: the local date decides what "today" is for a deadline.
_WITA = {"51", "52", "53", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96"}


def local_today(region: str, now: dt.datetime | None = None) -> dt.date:
    zone = "Asia/Makassar" if region[:2] in _WITA else "Asia/Jayapura" if region[:2] in _WIT else "Asia/Jakarta"
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(zoneinfo.ZoneInfo(zone)).date()


def deadline(row: asyncpg.Record | dict[str, Any], today: dt.date) -> schemas.Deadline:
    due: dt.date | None = row["due_date"]
    paused = row["status"] == "needs_correction"
    if due is None or row["status"] not in OPEN:
        return schemas.Deadline(due_date=due, paused=paused, overdue=False, due_soon=False)
    cal = calendar()
    left = cal.working_days_between(today, due) if due > today else -cal.working_days_between(due, today)
    return schemas.Deadline(
        due_date=due,
        paused=paused,
        overdue=not paused and today > due,
        due_soon=not paused and 0 <= left <= DUE_SOON_WORKING_DAYS,
        working_days_left=left,
    )


def request_hash(body: msgspec.Struct) -> str:
    return hashlib.sha256(msgspec.json.encode(body, order="sorted")).hexdigest()


# --- reading ---------------------------------------------------------------------------------------------

_COLUMNS = """a.*, s.name_id AS service_name, s.code AS service_code, g.code AS agency_code,
           g.name_id AS agency_name, r.name AS region_name, o.name AS assignee_name"""
_FROM = """
    FROM applications_application a
    JOIN catalogue_service s ON s.id = a.service
    JOIN catalogue_agency g ON g.id = a.agency
    JOIN catalogue_region r ON r.code = a.region
    LEFT JOIN accounts_account o ON o.id = a.assigned_to
"""
_SELECT = f"SELECT {_COLUMNS}{_FROM}"


def _summary(row: asyncpg.Record) -> schemas.ApplicationSummary:
    return schemas.ApplicationSummary(
        id=row["id"],
        status=row["status"],
        service=schemas.Ref(code=row["service_code"], name=row["service_name"]),
        agency=schemas.Ref(code=row["agency_code"], name=row["agency_name"]),
        region=schemas.Ref(code=row["region"], name=row["region_name"]),
        deadline=deadline(row, local_today(row["region"])),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        number=row["number"],
        subject_name=row["subject_name"] or None,
        submitted_at=row["submitted_at"],
        assigned_to=row["assigned_to"],
        assignee=row["assignee_name"] or None,
        flagged=row["flagged"],
    )


# One statement for a whole application: its row, its timeline and its documents (as arrays of records),
# instead of three round trips. Every detail read (citizen, officer, after each change) goes through it.
_SELECT_DETAIL = (
    f"SELECT {_COLUMNS},"
    + """
           ARRAY(SELECT row(e.at, e.to_status, e.action, e.actor_role, e.from_status, e.reason, ea.name)
                 FROM applications_event e LEFT JOIN accounts_account ea ON ea.id = e.actor
                 WHERE e.application = a.id ORDER BY e.id) AS timeline_rows,
           ARRAY(SELECT row(d.id, ad.requirement, d.document_type, t.name_id, d.status, d.media_type, d.valid_until)
                 FROM applications_document ad JOIN wallet_document d ON d.id = ad.document
                 JOIN catalogue_document_type t ON t.code = d.document_type
                 WHERE ad.application = a.id ORDER BY ad.requirement, d.id) AS document_rows"""
    + _FROM
)


def _detail(row: asyncpg.Record) -> schemas.ApplicationDetail:
    """An application read with ``_SELECT_DETAIL``."""
    summary = _summary(row)
    now = dt.datetime.now(dt.UTC)
    return schemas.ApplicationDetail(
        **{f: getattr(summary, f) for f in summary.__struct_fields__},
        answers=json.loads(row["answers"]),
        documents=[
            schemas.AttachedDocument(
                id=doc_id,
                requirement=requirement,
                type=schemas.Ref(code=doc_type, name=type_name),
                status="expired" if valid_until is not None and valid_until < now else status,
                media_type=media_type,
            )
            for doc_id, requirement, doc_type, type_name, status, media_type, valid_until in row["document_rows"]
        ],
        timeline=[
            schemas.TimelineEntry(
                at=at,
                to_status=to_status,
                action=action,
                actor_role=actor_role,
                from_status=from_status,
                reason=reason,
                actor=actor_name if actor_role != "citizen" else None,
            )
            for at, to_status, action, actor_role, from_status, reason, actor_name in row["timeline_rows"]
        ],
        correction_reason=row["correction_reason"],
        decision_reason=row["decision_reason"],
        result_document=row["result_document"],
        action_needed=row["correction_reason"] if row["status"] == "needs_correction" else None,
    )


async def _read_detail(conn: asyncpg.Connection, application_id: uuid.UUID) -> schemas.ApplicationDetail:
    row = await conn.fetchrow(_SELECT_DETAIL + " WHERE a.id = $1", application_id)
    if row is None:
        raise ApplicationNotFoundError(application_id)
    return _detail(row)


async def get_for_citizen(
    conn: asyncpg.Connection, *, applicant: uuid.UUID, application_id: uuid.UUID
) -> schemas.ApplicationDetail:
    row = await conn.fetchrow(_SELECT_DETAIL + " WHERE a.id = $1 AND a.applicant = $2", application_id, applicant)
    if row is None:
        raise ApplicationNotFoundError(application_id)
    return _detail(row)


async def list_for_citizen(
    conn: asyncpg.Connection, *, applicant: uuid.UUID, page: int, page_size: int
) -> schemas.ApplicationList:
    rows = await conn.fetch(
        _SELECT + " WHERE a.applicant = $1 ORDER BY a.created_at DESC LIMIT $2 OFFSET $3",
        applicant,
        page_size,
        (page - 1) * page_size,
    )
    total = await conn.fetchval("SELECT count(*) FROM applications_application WHERE applicant = $1", applicant)
    return schemas.ApplicationList(items=[_summary(r) for r in rows], total=total, page=page, page_size=page_size)


# --- what the wallet already has -----------------------------------------------------------------------


async def _service(conn: asyncpg.Connection, service_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT s.id, s.code, s.region, s.agency, s.name_id, s.name_en, s.sla_days, s.form, g.code AS agency_code "
        "FROM catalogue_service s JOIN catalogue_agency g ON g.id = s.agency WHERE s.id = $1 AND s.active",
        service_id,
    )
    if row is None:
        raise InvalidApplicationError([FieldError(field="serviceId", message="no such service")])
    return row


async def readiness(conn: asyncpg.Connection, *, owner: uuid.UUID, service_id: uuid.UUID) -> schemas.Readiness:
    """For each requirement: the best document the wallet holds (verified first), or why there is none."""
    await _service(conn, service_id)
    requirements = await conn.fetch(
        """SELECT q.document_type, q.optional, t.name_id FROM catalogue_service_requirement q
           JOIN catalogue_document_type t ON t.code = q.document_type WHERE q.service = $1 ORDER BY q.position""",
        service_id,
    )
    documents = await conn.fetch(
        """SELECT id, document_type, status, valid_until FROM wallet_document
           WHERE owner = $1 AND deleted_at IS NULL AND document_type = ANY($2::text[])""",
        owner,
        [r["document_type"] for r in requirements],
    )
    now = dt.datetime.now(dt.UTC)
    rank = {"satisfied": 0, "pending": 1, "expired": 2, "rejected": 3}
    states = []
    for req in requirements:
        best: tuple[str, uuid.UUID | None] = ("missing", None)
        for doc in (d for d in documents if d["document_type"] == req["document_type"]):
            if doc["valid_until"] is not None and doc["valid_until"] < now:
                state = "expired"
            elif doc["status"] in ("verified", "issued"):
                state = "satisfied"
            elif doc["status"] == "uploaded":
                state = "pending"
            else:
                state = "rejected"
            if best[0] == "missing" or rank[state] < rank[best[0]]:
                best = (state, doc["id"])
        states.append(
            schemas.RequirementState(
                code=req["document_type"],
                name=req["name_id"],
                optional=req["optional"],
                state=best[0],  # type: ignore[arg-type]
                document_id=best[1],
            )
        )
    ready = all(s.optional or s.state in ("satisfied", "pending") for s in states)
    return schemas.Readiness(service_id=service_id, requirements=states, ready=ready)


@dataclass(frozen=True)
class Checked:
    service: asyncpg.Record
    answers: dict[str, Any]
    documents: list[tuple[uuid.UUID, str]]  # (document, requirement)
    subject_nik: str | None
    subject_name: str
    mandate: uuid.UUID | None


# Everything a submission or a draft is checked against, in one statement: the service and its requirements,
# the listed documents that are the applicant's own, the applicant's NIK and name, and (for a submission) an
# application already made with the same Idempotency-Key. Submission is the hot path: one round trip, not five.
_CONTEXT = """
    SELECT s.id, s.code, s.region, s.agency, s.name_id, s.name_en, s.sla_days, s.form, g.code AS agency_code,
           ARRAY(SELECT row(q.document_type, q.optional) FROM catalogue_service_requirement q
                 WHERE q.service = s.id) AS requirement_rows,
           ARRAY(SELECT row(d.id, d.document_type, d.status, d.valid_until) FROM wallet_document d
                 WHERE d.id = ANY($2::uuid[]) AND d.owner = me.id AND d.deleted_at IS NULL) AS document_rows,
           me.nik AS my_nik, me.name AS my_name, x.id AS existing_id, x.request_hash AS existing_hash
    FROM accounts_account me
    LEFT JOIN catalogue_service s ON s.id = $1 AND s.active
    LEFT JOIN catalogue_agency g ON g.id = s.agency
    LEFT JOIN applications_application x ON x.applicant = me.id AND x.idempotency_key = $4
    WHERE me.id = $3
"""


async def _context(
    conn: asyncpg.Connection,
    *,
    applicant: uuid.UUID,
    service_id: uuid.UUID,
    document_ids: list[uuid.UUID],
    idempotency_key: str | None = None,
) -> asyncpg.Record:
    row = await conn.fetchrow(_CONTEXT, service_id, document_ids, applicant, idempotency_key)
    if row is None:
        raise ApplicationNotFoundError(applicant)  # the account itself is gone: nothing to check against
    return row


async def _check(
    conn: asyncpg.Connection,
    *,
    applicant: uuid.UUID,
    service_id: uuid.UUID,
    answers: dict[str, Any],
    document_ids: list[uuid.UUID],
    for_nik: str | None,
    complete: bool,
    context: asyncpg.Record | None = None,
) -> Checked:
    service = context or await _context(conn, applicant=applicant, service_id=service_id, document_ids=document_ids)
    if service["id"] is None:
        raise InvalidApplicationError([FieldError(field="serviceId", message="no such service")])
    clean, errors = check_answers(json.loads(service["form"]), answers, complete=complete)
    requirements = dict(service["requirement_rows"])
    docs = {row[0]: row[1:] for row in service["document_rows"]}  # id → (type, status, valid_until)
    now = dt.datetime.now(dt.UTC)
    attached: list[tuple[uuid.UUID, str]] = []
    if len(set(document_ids)) != len(document_ids):
        errors.append(FieldError(field="documentIds", message="a document is listed twice"))
    for i, doc_id in enumerate(document_ids):
        doc = docs.get(doc_id)
        where = f"documentIds[{i}]"
        if doc is None:
            # Someone else's document and no document at all read the same.
            errors.append(FieldError(field=where, message="is not a document in your wallet"))
            continue
        doc_type, status, valid_until = doc
        if doc_type not in requirements:
            errors.append(FieldError(field=where, message=f"{doc_type} is not a requirement of this service"))
        elif valid_until is not None and valid_until < now:
            errors.append(FieldError(field=where, message="has expired; upload a current one"))
        elif status == "rejected":
            errors.append(FieldError(field=where, message="was rejected; replace it first"))
        else:
            attached.append((doc_id, doc_type))
    if complete:
        have = {t for _, t in attached}
        for code, optional in requirements.items():
            if not optional and code not in have:
                errors.append(FieldError(field="documentIds", message=f"{code} is required"))
    subject_nik, subject_name, mandate = None, "", None
    if for_nik and for_nik != service["my_nik"]:
        mandate = await mandate_allows(conn, holder=applicant, member_nik=for_nik, service_code=service["code"])
        if mandate is None:
            raise NoMandateError(for_nik)
        subject_nik = for_nik
        subject_name = await conn.fetchval(
            "SELECT member_name FROM accounts_family_member f JOIN accounts_mandate m ON m.member = f.id "
            "WHERE m.id = $1",
            mandate,
        )
    else:
        subject_nik, subject_name = service["my_nik"], service["my_name"]
    if errors:
        raise InvalidApplicationError(errors)
    return Checked(service, clean, attached, subject_nik, subject_name or "", mandate)


# --- the citizen's side ---------------------------------------------------------------------------------


async def _event(
    conn: asyncpg.Connection,
    application: uuid.UUID,
    *,
    actor: uuid.UUID | None,
    role: str,
    from_status: str | None,
    to_status: str,
    action: str,
    reason: str | None = None,
    **detail: Any,
) -> None:
    await conn.execute(
        """INSERT INTO applications_event (application, at, actor, actor_role, from_status, to_status, action, reason,
                                           detail)
           VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8::jsonb)""",
        application,
        actor,
        role,
        from_status,
        to_status,
        action,
        reason,
        json.dumps(detail, default=str),
    )


async def _announce(
    conn: asyncpg.Connection,
    row: asyncpg.Record | dict[str, Any],
    to_status: str,
    service: asyncpg.Record | None = None,
) -> None:
    """The outbox message of a status change: what the notifications need, no personal data beyond it."""
    if service is None:
        service = await conn.fetchrow(
            "SELECT name_id, name_en, region FROM catalogue_service WHERE id = $1", row["service"]
        )
    await enqueue(
        conn,
        topic="application.status_changed",
        recipient=row["applicant"],
        subject=row["id"],
        payload={
            "application": str(row["id"]),
            "number": row["number"],
            "service": str(row["service"]),
            "serviceName": {"id": service["name_id"], "en": service["name_en"]},
            "region": service["region"],
            "status": to_status,
        },
    )


async def save_draft(
    conn: asyncpg.Connection, *, applicant: uuid.UUID, draft_id: uuid.UUID | None, data: schemas.DraftSave
) -> schemas.ApplicationDetail:
    """Keep a draft on the server, so it resumes on another device; a stale copy cannot overwrite it."""
    checked = await _check(
        conn,
        applicant=applicant,
        service_id=data.service_id,
        answers=data.answers,
        document_ids=data.document_ids,
        for_nik=data.for_nik,
        complete=False,
    )
    async with conn.transaction():
        if draft_id is None:
            draft_id = uuid.uuid4()
            await conn.execute(
                """INSERT INTO applications_application (id, service, agency, region, applicant, subject_nik,
                       subject_name, mandate, status, answers, sla_days, version, flagged, created_at, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9::jsonb, $10, 1, false, now(), now())""",
                draft_id,
                checked.service["id"],
                checked.service["agency"],
                checked.service["region"],
                applicant,
                checked.subject_nik,
                checked.subject_name,
                checked.mandate,
                json.dumps(checked.answers),
                checked.service["sla_days"],
            )
            await _event(
                conn, draft_id, actor=applicant, role="citizen", from_status=None, to_status="draft", action="draft"
            )
        else:
            row = await _lock_own(conn, applicant, draft_id)
            _expect(row, data.version)
            if row["status"] != "draft":
                raise IllegalTransitionError(f"the application is {row['status']}, no longer a draft")
            await conn.execute(
                """UPDATE applications_application SET service = $2, agency = $3, region = $4, subject_nik = $5,
                       subject_name = $6, mandate = $7, answers = $8::jsonb, sla_days = $9, version = version + 1,
                       updated_at = now() WHERE id = $1""",
                draft_id,
                checked.service["id"],
                checked.service["agency"],
                checked.service["region"],
                checked.subject_nik,
                checked.subject_name,
                checked.mandate,
                json.dumps(checked.answers),
                checked.service["sla_days"],
            )
        await _attach(conn, draft_id, checked.documents)
    return await get_for_citizen(conn, applicant=applicant, application_id=draft_id)


async def _attach(
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


async def _lock_own(conn: asyncpg.Connection, applicant: uuid.UUID, application_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT * FROM applications_application WHERE id = $1 AND applicant = $2 FOR UPDATE", application_id, applicant
    )
    if row is None:
        raise ApplicationNotFoundError(application_id)
    return row


def _expect(row: asyncpg.Record, version: int | None) -> None:
    if version is not None and version != row["version"]:
        raise StaleVersionError(f"the application is at version {row['version']}, not {version}")


def _allowed(row: asyncpg.Record, action: str) -> str:
    sources, target, _ = TRANSITIONS[action]
    if row["status"] not in sources:
        raise IllegalTransitionError(f"cannot {action.replace('_', ' ')} an application that is {row['status']}")
    return target


async def _consent_documents(
    conn: asyncpg.Connection,
    row: asyncpg.Record | dict[str, Any],
    applicant: uuid.UUID,
    documents: list[tuple[uuid.UUID, str]],
    service_name: str,
) -> None:
    """Attaching a document is consenting to its use by the service's agency, for this application."""
    await wallet.give_consents(
        conn,
        owner=applicant,
        documents=[doc for doc, _ in documents],
        agency_id=row["agency"],
        purpose=f"Permohonan {service_name} ({row['number']})"[:200],
        application=row["id"],
    )


async def submit(
    conn: asyncpg.Connection,
    *,
    applicant: uuid.UUID,
    data: schemas.ApplicationCreate,
    idempotency_key: str,
    ip: str,
) -> tuple[schemas.ApplicationDetail, bool]:
    """Submit an application (new, or a saved draft). The same key and body again: the same application."""
    digest = request_hash(data)
    context = await _context(
        conn,
        applicant=applicant,
        service_id=data.service_id,
        document_ids=data.document_ids,
        idempotency_key=idempotency_key,
    )
    if context["existing_id"] is not None:
        if context["existing_hash"] != digest:
            raise IdempotencyConflictError(idempotency_key)
        return await get_for_citizen(conn, applicant=applicant, application_id=context["existing_id"]), False
    checked = await _check(
        conn,
        applicant=applicant,
        service_id=data.service_id,
        answers=data.answers,
        document_ids=data.document_ids,
        for_nik=data.for_nik,
        complete=True,
        context=context,
    )
    service = checked.service
    region = service["region"]
    today = local_today(region)
    due = calendar().add_working_days(today, service["sla_days"])
    named = sorted(niks_in(json.loads(service["form"]), checked.answers))
    try:
        async with conn.transaction():
            prefix = f"{region}-{today:%y%m}-"
            if data.draft_id is not None:
                row = await _lock_own(conn, applicant, data.draft_id)
                from_status = row["status"]
                _allowed(row, "submit")
                application_id = data.draft_id
                number = await conn.fetchval(
                    """UPDATE applications_application SET service = $2, agency = $3, region = $4, subject_nik = $5,
                           subject_name = $6, mandate = $7, answers = $8::jsonb, sla_days = $9, status = 'submitted',
                           number = """
                    + NEXT_NUMBER.format(prefix="$10")
                    + """, submitted_at = now(), due_date = $11, idempotency_key = $12,
                           request_hash = $13, named_niks = $14, version = version + 1, updated_at = now()
                       WHERE id = $1 RETURNING number""",
                    application_id,
                    service["id"],
                    service["agency"],
                    region,
                    checked.subject_nik,
                    checked.subject_name,
                    checked.mandate,
                    json.dumps(checked.answers),
                    service["sla_days"],
                    prefix,
                    due,
                    idempotency_key,
                    digest,
                    named,
                )
            else:
                from_status = None
                application_id = uuid.uuid4()
                number = await conn.fetchval(
                    """INSERT INTO applications_application (id, number, service, agency, region, applicant,
                           subject_nik, subject_name, mandate, status, answers, sla_days, submitted_at, due_date,
                           version, idempotency_key, request_hash, named_niks, flagged, created_at, updated_at)
                       VALUES ($1, """
                    + NEXT_NUMBER.format(prefix="$2")
                    + """, $3, $4, $5, $6, $7, $8, $9, 'submitted', $10::jsonb, $11, now(),
                               $12, 1, $13, $14, $15, false, now(), now())
                       RETURNING number""",
                    application_id,
                    prefix,
                    service["id"],
                    service["agency"],
                    region,
                    applicant,
                    checked.subject_nik,
                    checked.subject_name,
                    checked.mandate,
                    json.dumps(checked.answers),
                    service["sla_days"],
                    due,
                    idempotency_key,
                    digest,
                    named,
                )
            await _attach(conn, application_id, checked.documents, new=data.draft_id is None)
            row_info = {
                "id": application_id,
                "agency": service["agency"],
                "number": number,
                "applicant": applicant,
                "service": service["id"],
            }
            await _consent_documents(conn, row_info, applicant, checked.documents, service["name_id"])
            await _event(
                conn,
                application_id,
                actor=applicant,
                role="citizen",
                from_status=from_status,
                to_status="submitted",
                action="submit",
                due=due.isoformat(),
                mandate=str(checked.mandate) if checked.mandate else None,
            )
            await _announce(conn, row_info, "submitted", service)
            if named:
                await _broker_signal(conn, applicant, region, application_id)
    except asyncpg.UniqueViolationError:
        # The same key submitted twice at once: the first one won; answer as a replay would.
        return await submit(conn, applicant=applicant, data=data, idempotency_key=idempotency_key, ip=ip)
    return await get_for_citizen(conn, applicant=applicant, application_id=application_id), True


async def _broker_signal(conn: asyncpg.Connection, applicant: uuid.UUID, region: str, application: uuid.UUID) -> None:
    """Flag an account whose applications name many different people it holds no mandate for (a *calo*).

    One statement: the NIKs each application named are stored with it (``named_niks``), so this counts
    distinct strangers over 30 days without reading old answers back.
    """
    strangers = await conn.fetchval(
        """WITH known AS (
               SELECT nik AS n FROM accounts_account WHERE id = $1 AND nik IS NOT NULL
               UNION SELECT member_nik FROM accounts_family_member WHERE account = $1 AND removed_at IS NULL)
           SELECT count(DISTINCT x) FROM applications_application a, unnest(a.named_niks) AS x
           WHERE a.applicant = $1 AND a.submitted_at > now() - make_interval(days => $2)
             AND x NOT IN (SELECT n FROM known)""",
        applicant,
        BROKER_WINDOW_DAYS,
    )
    if strangers < BROKER_PEOPLE:
        return
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
            BROKER_WINDOW_DAYS,
        )


async def withdraw(
    conn: asyncpg.Connection, *, applicant: uuid.UUID, application_id: uuid.UUID, data: schemas.Withdraw
) -> schemas.ApplicationDetail:
    async with conn.transaction():
        row = await _lock_own(conn, applicant, application_id)
        _expect(row, data.version)
        target = _allowed(row, "withdraw")
        await conn.execute(
            "UPDATE applications_application SET status = $2, version = version + 1, updated_at = now() WHERE id = $1",
            application_id,
            target,
        )
        await _event(
            conn,
            application_id,
            actor=applicant,
            role="citizen",
            from_status=row["status"],
            to_status=target,
            action="withdraw",
            reason=data.reason,
        )
        if row["status"] != "draft":
            await _announce(conn, row, target)
    return await get_for_citizen(conn, applicant=applicant, application_id=application_id)


async def resubmit(
    conn: asyncpg.Connection, *, applicant: uuid.UUID, application_id: uuid.UUID, data: schemas.Resubmit
) -> schemas.ApplicationDetail:
    """The citizen fixed what was asked; review resumes and the deadline moves by the days they took."""
    current = await get_for_citizen(conn, applicant=applicant, application_id=application_id)
    base = await conn.fetchrow(
        "SELECT service, subject_nik FROM applications_application WHERE id = $1", application_id
    )
    me = await conn.fetchval("SELECT nik FROM accounts_account WHERE id = $1", applicant)
    checked = await _check(
        conn,
        applicant=applicant,
        service_id=base["service"],
        answers=data.answers if data.answers is not None else current.answers,
        document_ids=data.document_ids if data.document_ids is not None else [d.id for d in current.documents],
        for_nik=base["subject_nik"] if base["subject_nik"] != me else None,
        complete=True,
    )
    async with conn.transaction():
        row = await _lock_own(conn, applicant, application_id)
        _expect(row, data.version)
        target = _allowed(row, "resubmit")
        today = local_today(row["region"])
        paused = calendar().working_days_between(row["paused_since"], today) if row["paused_since"] else 0
        due = calendar().add_working_days(row["due_date"], paused) if paused else row["due_date"]
        await conn.execute(
            """UPDATE applications_application SET status = $2, answers = $3::jsonb, due_date = $4, paused_since = NULL,
                   correction_reason = NULL, version = version + 1, updated_at = now() WHERE id = $1""",
            application_id,
            target,
            json.dumps(checked.answers),
            due,
        )
        await _attach(conn, application_id, checked.documents)
        await _consent_documents(conn, row, applicant, checked.documents, checked.service["name_id"])
        await _event(
            conn,
            application_id,
            actor=applicant,
            role="citizen",
            from_status=row["status"],
            to_status=target,
            action="resubmit",
            paused_working_days=paused,
            due=due.isoformat() if due else None,
        )
        await _announce(conn, row, target)
    return await get_for_citizen(conn, applicant=applicant, application_id=application_id)


# --- the officer's side ---------------------------------------------------------------------------------


async def _agency_id(conn: asyncpg.Connection, officer: Officer) -> uuid.UUID:
    agency: uuid.UUID | None = await conn.fetchval(
        "SELECT id FROM catalogue_agency WHERE code = $1 AND region = $2", officer.agency_code, officer.region
    )
    if agency is None:
        raise ApplicationNotFoundError("agency")
    return agency


@dataclass(frozen=True)
class InboxFilter:
    status: str | None = None
    overdue: bool = False
    due_within_days: int | None = None
    service: str | None = None
    mine: bool = False


async def inbox(
    conn: asyncpg.Connection, *, officer: Officer, filters: InboxFilter, page: int, page_size: int
) -> schemas.ApplicationList:
    """My agency's applications in my region — nothing else — soonest deadline first."""
    agency = await _agency_id(conn, officer)
    today = local_today(officer.region)
    due_by = (
        calendar().add_working_days(today, filters.due_within_days) if filters.due_within_days is not None else None
    )
    # The open statuses are written into the SQL, not passed: a generic plan can then still prove the partial
    # inbox index (WHERE status IN the open ones) applies.
    open_sql = "a.status IN (" + ", ".join(f"'{status}'" for status in OPEN) + ")"
    where = ["a.agency = $1", "a.status = $2" if filters.status else open_sql]
    args: list[Any] = [agency, filters.status] if filters.status else [agency]
    if filters.overdue:
        args.append(today)
        where.append(f"a.due_date < ${len(args)} AND a.status <> 'needs_correction'")
    if due_by is not None:
        args.append(due_by)
        where.append(f"a.due_date <= ${len(args)} AND a.status <> 'needs_correction'")
    if filters.service:
        args.append(filters.service)
        where.append(f"s.code = ${len(args)}")
    if filters.mine:
        args.append(officer.id)
        where.append(f"a.assigned_to = ${len(args)}")
    condition = " AND ".join(where)
    args += [page_size, (page - 1) * page_size]
    rows = await conn.fetch(
        _SELECT
        + f" WHERE {condition} ORDER BY a.due_date ASC NULLS LAST, a.id LIMIT ${len(args) - 1} OFFSET ${len(args)}",
        *args,
    )
    # The service table is joined for the count only when filtering by service: the join made PostgreSQL
    # read every open case's row instead of the index alone (bench/scale_bench.py).
    joined = "JOIN catalogue_service s ON s.id = a.service " if filters.service else ""
    total = await conn.fetchval(
        f"SELECT count(*) FROM applications_application a {joined}WHERE {condition}",
        *args[:-2],
    )
    return schemas.ApplicationList(items=[_summary(r) for r in rows], total=total, page=page, page_size=page_size)


async def _officer_row(
    conn: asyncpg.Connection, officer: Officer, application_id: uuid.UUID, *, lock: bool
) -> asyncpg.Record:
    agency = await _agency_id(conn, officer)
    row = await conn.fetchrow(
        "SELECT * FROM applications_application WHERE id = $1 AND agency = $2 AND status <> 'draft'"
        + (" FOR UPDATE" if lock else ""),
        application_id,
        agency,
    )
    if row is None:
        raise ApplicationNotFoundError(application_id)
    return row


async def officer_view(
    conn: asyncpg.Connection, *, officer: Officer, application_id: uuid.UUID, ip: str
) -> schemas.ApplicationDetail:
    """An application with its answers and documents; the read goes into the citizen's access log."""
    row = await _officer_row(conn, officer, application_id, lock=False)
    await record(
        conn,
        action="application.read",
        actor=officer.id,
        subject=row["applicant"],
        detail={"application": str(application_id), "agency": officer.agency_code, "via": "officer"},
        ip=ip,
    )
    return await _read_detail(conn, application_id)


async def assign(
    conn: asyncpg.Connection, *, officer: Officer, application_id: uuid.UUID, to: uuid.UUID | None, version: int | None
) -> schemas.ApplicationDetail:
    """Claim (to myself) or hand to a colleague of the same agency and region."""
    target = to or officer.id
    if to is not None and to != officer.id:
        colleague = await conn.fetchval(
            """SELECT a.id FROM accounts_account a JOIN catalogue_agency g ON g.id = a.agency
               WHERE a.id = $1 AND g.code = $2 AND a.region = $3 AND a.status = 'active'
                 AND a.roles && ARRAY['officer', 'supervisor']::varchar[]""",
            to,
            officer.agency_code,
            officer.region,
        )
        if colleague is None:
            raise InvalidApplicationError([FieldError(field="officerId", message="is not an officer of your agency")])
    async with conn.transaction():
        row = await _officer_row(conn, officer, application_id, lock=True)
        _expect(row, version)
        if row["status"] not in OPEN:
            raise IllegalTransitionError(f"the application is {row['status']}")
        await conn.execute(
            "UPDATE applications_application SET assigned_to = $2, version = version + 1, updated_at = now() "
            "WHERE id = $1",
            application_id,
            target,
        )
        await _event(
            conn,
            application_id,
            actor=officer.id,
            role="officer",
            from_status=row["status"],
            to_status=row["status"],
            action="assign",
            assignee=str(target),
        )
    return await _read_detail(conn, application_id)


async def decide(
    conn: asyncpg.Connection,
    wallet_runtime: Wallet | None,
    *,
    officer: Officer,
    application_id: uuid.UUID,
    action: str,
    reason: str | None,
    version: int | None,
    ip: str,
) -> schemas.ApplicationDetail:
    """An officer moves an application on. Exactly one of two simultaneous decisions wins (row lock)."""
    if action in NEEDS_REASON and not (reason and reason.strip()):
        raise InvalidApplicationError([FieldError(field="reason", message="is required for this decision")])
    async with conn.transaction():
        row = await _officer_row(conn, officer, application_id, lock=True)
        _expect(row, version)
        target = _allowed(row, action)
        today = local_today(row["region"])
        extra = ""
        params: list[Any] = [application_id, target]
        if action == "request_correction":
            extra = ", paused_since = $3, correction_reason = $4"
            params += [today, reason]
        elif action in ("approve", "reject"):
            extra = ", decision_reason = $3"
            params += [reason]
        elif action == "complete":
            assert wallet_runtime is not None, "completing issues a document into the wallet"
            document = await _issue_result(conn, wallet_runtime, row, officer)
            extra = ", result_document = $3"
            params += [document]
        if row["assigned_to"] is None:
            extra += f", assigned_to = ${len(params) + 1}"
            params.append(officer.id)
        await conn.execute(
            f"UPDATE applications_application SET status = $2, version = version + 1, updated_at = now(){extra} "
            "WHERE id = $1",
            *params,
        )
        await _event(
            conn,
            application_id,
            actor=officer.id,
            role="officer",
            from_status=row["status"],
            to_status=target,
            action=action,
            reason=reason,
        )
        await _announce(conn, row, target)
        await record(
            conn,
            action=f"application.{action}",
            actor=officer.id,
            subject=row["applicant"],
            detail={"application": str(application_id), "agency": officer.agency_code},
            ip=ip,
        )
    return await _read_detail(conn, application_id)


async def _issue_result(
    conn: asyncpg.Connection, wallet_runtime: Wallet, row: asyncpg.Record, officer: Officer
) -> uuid.UUID:
    info = await conn.fetchrow(
        """SELECT s.code, s.name_id, s.output_id, g.name_id AS agency_name, r.name AS region_name,
                  o.name AS officer_name, a.name AS applicant_name, a.nik AS applicant_nik
           FROM catalogue_service s JOIN catalogue_agency g ON g.id = s.agency
           JOIN catalogue_region r ON r.code = s.region
           JOIN accounts_account o ON o.id = $2 JOIN accounts_account a ON a.id = $3
           WHERE s.id = $1""",
        row["service"],
        officer.id,
        row["applicant"],
    )
    document = result_pdf.ResultDocument(
        number=row["number"],
        title=info["output_id"] or info["name_id"],
        service=info["name_id"],
        agency=info["agency_name"],
        region=info["region_name"],
        holder=row["subject_name"] or info["applicant_name"] or "-",
        holder_nik=row["subject_nik"],
        decided_on=local_today(row["region"]),
        officer=info["officer_name"] or "-",
    )
    type_code = output_types().get(info["code"], "HASIL_LAYANAN")
    valid_months = await conn.fetchval("SELECT validity_months FROM catalogue_document_type WHERE code = $1", type_code)
    valid_until = dt.datetime.now(dt.UTC) + dt.timedelta(days=30 * valid_months) if valid_months is not None else None
    return await wallet.issue(
        conn,
        wallet_runtime,
        owner=row["applicant"],
        type_code=type_code,
        render=lambda url: result_pdf.render(document, url),
        agency_id=row["agency"],
        officer=officer.id,
        valid_until=valid_until,
        title=f"{document.title} - {row['number']}",
    )


async def bulk_start(
    conn: asyncpg.Connection, *, officer: Officer, ids: list[uuid.UUID], ip: str
) -> schemas.BulkResult:
    """Start reviewing several submitted applications at once; the others are skipped, not failed."""
    started, skipped = [], []
    for application_id in dict.fromkeys(ids):
        try:
            await decide(
                conn,
                None,
                officer=officer,
                application_id=application_id,
                action="start_review",
                reason=None,
                version=None,
                ip=ip,
            )
            started.append(application_id)
        except (ApplicationNotFoundError, IllegalTransitionError):
            skipped.append(application_id)
    return schemas.BulkResult(started=started, skipped=skipped)


async def workload(conn: asyncpg.Connection, *, officer: Officer) -> schemas.Workload:
    """Open, overdue and due-soon applications per officer of the supervisor's agency and region."""
    agency = await _agency_id(conn, officer)
    today = local_today(officer.region)
    soon = calendar().add_working_days(today, DUE_SOON_WORKING_DAYS)
    rows = await conn.fetch(
        """SELECT a.assigned_to, o.name,
                  count(*) AS open,
                  count(*) FILTER (WHERE a.due_date < $2 AND a.status <> 'needs_correction') AS overdue,
                  count(*) FILTER (WHERE a.due_date BETWEEN $2 AND $3 AND a.status <> 'needs_correction') AS due_soon
           FROM applications_application a LEFT JOIN accounts_account o ON o.id = a.assigned_to
           WHERE a.agency = $1 AND a.status = ANY($4::text[])
           GROUP BY a.assigned_to, o.name ORDER BY overdue DESC, open DESC""",
        agency,
        today,
        soon,
        list(OPEN),
    )
    items = [
        schemas.OfficerWorkload(
            officer=r["assigned_to"],
            name=r["name"] or "(belum ditugaskan)",
            open=r["open"],
            overdue=r["overdue"],
            due_soon=r["due_soon"],
        )
        for r in rows
    ]
    return schemas.Workload(items=items, total=len(items))


async def broker_flags(conn: asyncpg.Connection, *, officer: Officer) -> schemas.FlagList:
    rows = await conn.fetch(
        """SELECT f.*, a.name, a.phone FROM applications_broker_flag f JOIN accounts_account a ON a.id = f.account
           WHERE f.region = $1 AND f.reviewed_at IS NULL ORDER BY f.created_at DESC""",
        officer.region,
    )
    items = [
        schemas.Flag(
            id=r["id"],
            account=r["account"],
            name=r["name"],
            phone=r["phone"],
            people=r["people"],
            window_days=r["window_days"],
            created_at=r["created_at"],
        )
        for r in rows
    ]
    return schemas.FlagList(items=items, total=len(items))


# --- reads for the kiosk status look-up (api/kiosk): the number's owner, then the bare status -------------


async def owner_by_number(conn: asyncpg.Connection, number: str) -> asyncpg.Record | None:
    """The submitted application with this number and its applicant's phone (to send the look-up code to)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """SELECT a.id, acc.phone FROM applications_application a
           JOIN accounts_account acc ON acc.id = a.applicant
           WHERE a.number = $1 AND a.status <> 'draft' AND acc.status = 'active'""",
        number,
    )
    return row


async def status_row(conn: asyncpg.Connection, application_id: uuid.UUID) -> asyncpg.Record | None:
    """What a kiosk may show once the citizen confirmed: status, deadline, service and agency — nothing personal
    beyond the applicant's id, which the caller needs for the access log."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """SELECT a.id, a.number, a.status, a.region, a.due_date, a.paused_since, a.correction_reason,
                  a.updated_at, a.applicant, s.name_id, s.name_en, g.name_id AS agency_id, g.name_en AS agency_en
           FROM applications_application a
           JOIN catalogue_service s ON s.id = a.service
           JOIN catalogue_agency g ON g.id = a.agency
           WHERE a.id = $1""",
        application_id,
    )
    return row
