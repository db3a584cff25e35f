"""The citizen's side: what my wallet already has for a service, drafts, submission, withdrawal, resubmission.

Every change locks the row, checks the version the caller saw (412 when stale), checks that the move is legal
from the current state (409 otherwise), appends to the immutable timeline, and writes an outbox message — all
in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import asyncpg

from api.accounts.service import record_mandate_use
from api.applications import schemas
from api.applications.forms import niks_in
from api.applications.service import queries
from api.applications.service.announce import announce
from api.applications.service.checks import (
    Checked,
    check,
    check_body,
    fetch_context,
    require_assurance,
    require_complete_profile,
)
from api.applications.service.errors import (
    ApplicationNotFoundError,
    IdempotencyConflictError,
    IllegalTransitionError,
    no_such_service,
)
from api.applications.service.reading import get_for_citizen
from api.applications.service.rules import (
    BROKER_PEOPLE,
    BROKER_WINDOW_DAYS,
    Row,
    allowed,
    expect,
    local_today,
    request_hash,
    resumed_due_date,
)
from api.applications.statuses import DRAFT, SUBMITTED
from api.calendar.service import ensure_loaded, working_calendar
from api.catalogue.service import find_service
from api.wallet import service as wallet

CITIZEN = "citizen"


async def readiness(conn: asyncpg.Connection, *, owner: uuid.UUID, service_id: uuid.UUID) -> schemas.Readiness:
    """For each requirement: the best document the wallet holds (verified first), or why there is none, and every
    document that may be attached for it (uploaded ones too: they await verification but may be sent)."""
    service = await find_service(conn, service_id, "id")
    if service is None:
        raise no_such_service()
    documents = await wallet.documents_of_types(conn, owner=owner, types=[r.code for r in service.requirements])
    now = dt.datetime.now(dt.UTC)
    rank = {"satisfied": 0, "pending": 1, "expired": 2, "rejected": 3}
    states = []
    for req in service.requirements:
        best: tuple[str, uuid.UUID | None] = ("missing", None)
        attachable: list[schemas.AttachableDocument] = []
        for doc in (d for d in documents if d.document_type == req.code):
            # The same rule as the submission's (checks._check_documents): expired or rejected cannot be attached.
            if doc.valid_until is not None and doc.valid_until < now:
                state = "expired"
            elif doc.status in ("verified", "issued"):
                state = "satisfied"
            elif doc.status == "uploaded":
                state = "pending"
            else:
                state = "rejected"
            if state in ("satisfied", "pending"):
                attachable.append(
                    schemas.AttachableDocument(
                        id=doc.id,
                        title=doc.title,
                        state=state,  # type: ignore[arg-type]
                        created_at=doc.created_at,
                    )
                )
            if best[0] == "missing" or rank[state] < rank[best[0]]:
                best = (state, doc.id)
        attachable.sort(key=lambda d: rank[d.state])  # stable: newest first within each state
        states.append(
            schemas.RequirementState(
                code=req.code,
                name=req.name,
                optional=req.optional,
                state=best[0],  # type: ignore[arg-type]
                document_id=best[1],
                documents=attachable,
            )
        )
    ready = all(s.optional or s.state in ("satisfied", "pending") for s in states)
    return schemas.Readiness(service_id=service_id, requirements=states, ready=ready)


async def lock_own(conn: asyncpg.Connection, applicant: uuid.UUID, application_id: uuid.UUID) -> asyncpg.Record:
    row = await queries.fetch_own_locked(conn, applicant, application_id)
    if row is None:
        raise ApplicationNotFoundError
    return row


async def _consent_documents(
    conn: asyncpg.Connection, application: Row, applicant: uuid.UUID, checked: Checked
) -> None:
    """Attaching a document is consenting to its use by the service's agency, for this application."""
    await wallet.give_consents(
        conn,
        owner=applicant,
        documents=[doc for doc, _ in checked.documents],
        agency_id=application["agency"],
        purpose=f"Permohonan {checked.service['name_id']} ({application['number']})"[:200],
        application=application["id"],
    )


async def save_draft(
    conn: asyncpg.Connection, *, applicant: uuid.UUID, draft_id: uuid.UUID | None, data: schemas.DraftSave
) -> schemas.ApplicationDetail:
    """Keep a draft on the server, so it resumes on another device; a stale copy cannot overwrite it."""
    checked = await check_body(conn, applicant, data, complete=False)
    async with conn.transaction():
        if draft_id is None:
            draft_id = uuid.uuid4()
            await queries.save_new_draft(conn, draft_id, applicant, checked.contents())
            await queries.save_event(
                conn, draft_id, actor=applicant, role=CITIZEN, from_status=None, to_status=DRAFT, action="draft"
            )
        else:
            row = await lock_own(conn, applicant, draft_id)
            expect(row, data.version)
            if row["status"] != DRAFT:
                raise IllegalTransitionError(f"the application is {row['status']}, no longer a draft")
            await queries.save_draft_contents(conn, draft_id, checked.contents())
        await queries.save_documents(conn, draft_id, checked.documents)
    return await get_for_citizen(conn, applicant=applicant, application_id=draft_id)


# --- submission: the hot path (bench/RESULTS.md): one statement to read, each write one statement ----------


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
    context = await fetch_context(
        conn,
        applicant=applicant,
        service_id=data.service_id,
        document_ids=data.document_ids,
        idempotency_key=idempotency_key,
    )
    if context["existing_id"] is not None:
        return await _replay(conn, applicant, context, digest), False
    require_complete_profile(context, for_nik=data.for_nik)
    require_assurance(context)
    checked = await check_body(conn, applicant, data, complete=True, context=context)
    await ensure_loaded(conn)  # once per process that does not listen for calendar changes (no round trip after)
    submission = _submission(checked, idempotency_key, digest)
    try:
        async with conn.transaction():
            application_id = await _store(conn, applicant, data.draft_id, checked, submission)
    except asyncpg.UniqueViolationError:
        # The same key submitted twice at once: the first one won; answer as a replay would.
        return await submit(conn, applicant=applicant, data=data, idempotency_key=idempotency_key, ip=ip)
    return await get_for_citizen(conn, applicant=applicant, application_id=application_id), True


async def _replay(
    conn: asyncpg.Connection, applicant: uuid.UUID, context: asyncpg.Record, digest: str
) -> schemas.ApplicationDetail:
    """The application this Idempotency-Key already made, if the body is the same one (else 422)."""
    if context["existing_hash"] != digest:
        raise IdempotencyConflictError
    return await get_for_citizen(conn, applicant=applicant, application_id=context["existing_id"])


def _submission(checked: Checked, idempotency_key: str, digest: str) -> queries.Submission:
    """Its deadline (working days from today where the service is), number prefix and the NIKs it names."""
    region = checked.service["region"]
    today = local_today(region)
    return queries.Submission(
        number_prefix=f"{region}-{today:%y%m}-",
        due=working_calendar(region).add_working_days(today, checked.service["sla_days"]),
        idempotency_key=idempotency_key,
        request_hash=digest,
        named_niks=sorted(niks_in(json.loads(checked.service["form"]), checked.answers)),
        service_version=checked.service["service_version"],
    )


async def _store(
    conn: asyncpg.Connection,
    applicant: uuid.UUID,
    draft_id: uuid.UUID | None,
    checked: Checked,
    submission: queries.Submission,
) -> uuid.UUID:
    """Write the submission (inside the caller's transaction): the row, its documents and consents, the
    timeline, the outbox message and the broker signal."""
    contents = checked.contents()
    from_status = None
    if draft_id is None:
        application_id = uuid.uuid4()
        number = await queries.save_new_submission(conn, application_id, applicant, contents, submission)
    else:
        application_id = draft_id
        row = await lock_own(conn, applicant, draft_id)
        from_status = row["status"]
        allowed(row, "submit")
        number = await queries.save_submitted_draft(conn, application_id, contents, submission)
    await queries.save_documents(conn, application_id, checked.documents, new=draft_id is None)
    stored = {
        "id": application_id,
        "agency": contents.agency,
        "number": number,
        "applicant": applicant,
        "service": contents.service,
    }
    await _consent_documents(conn, stored, applicant, checked)
    await queries.save_event(
        conn,
        application_id,
        actor=applicant,
        role=CITIZEN,
        from_status=from_status,
        to_status=SUBMITTED,
        action="submit",
        due=submission.due.isoformat(),
        mandate=str(checked.mandate) if checked.mandate else None,
    )
    await announce(conn, stored, SUBMITTED, checked.service)
    if checked.mandate is not None:
        await record_mandate_use(
            conn, mandate=checked.mandate, actor=applicant, application=application_id, number=number
        )
    if submission.named_niks:
        await _broker_signal(conn, applicant, contents.region, application_id)
    return application_id


async def _broker_signal(conn: asyncpg.Connection, applicant: uuid.UUID, region: str, application: uuid.UUID) -> None:
    """Flag an account whose applications name many different people it holds no mandate for (a *calo*).

    One statement: the NIKs each application named are stored with it (``named_niks``), so this counts
    distinct strangers over 30 days without reading old answers back.
    """
    strangers = await conn.fetchval(queries.COUNT_STRANGERS, applicant, BROKER_WINDOW_DAYS)
    if strangers >= BROKER_PEOPLE:
        await queries.save_broker_flag(conn, applicant, region, application, strangers, BROKER_WINDOW_DAYS)


# --- after submission -------------------------------------------------------------------------------------


async def withdraw(
    conn: asyncpg.Connection, *, applicant: uuid.UUID, application_id: uuid.UUID, data: schemas.Withdraw
) -> schemas.ApplicationDetail:
    async with conn.transaction():
        row = await lock_own(conn, applicant, application_id)
        expect(row, data.version)
        target = allowed(row, "withdraw")
        await queries.save_status(conn, application_id, target)
        await queries.save_move_event(
            conn, row, actor=applicant, role=CITIZEN, to_status=target, action="withdraw", reason=data.reason
        )
        if row["status"] != DRAFT:
            await announce(conn, row, target)
    return await get_for_citizen(conn, applicant=applicant, application_id=application_id)


async def resubmit(
    conn: asyncpg.Connection, *, applicant: uuid.UUID, application_id: uuid.UUID, data: schemas.Resubmit
) -> schemas.ApplicationDetail:
    """The citizen fixed what was asked; review resumes and the deadline moves by the days they took."""
    current = await get_for_citizen(conn, applicant=applicant, application_id=application_id)
    base = await conn.fetchrow(
        "SELECT service, subject_nik FROM applications_application WHERE id = $1", application_id
    )
    checked = await check(
        conn,
        applicant=applicant,
        service_id=base["service"],
        answers=data.answers if data.answers is not None else current.answers,
        document_ids=data.document_ids if data.document_ids is not None else [d.id for d in current.documents],
        # The checks read the applicant's own NIK: the subject's is theirs (for themselves) or needs a mandate.
        for_nik=base["subject_nik"],
        complete=True,
    )
    await ensure_loaded(conn)
    async with conn.transaction():
        row = await lock_own(conn, applicant, application_id)
        expect(row, data.version)
        target = allowed(row, "resubmit")
        due, paused = resumed_due_date(row, local_today(row["region"]))
        extra = {"answers": json.dumps(checked.answers), "due_date": due, "paused_since": None}
        await queries.save_status(conn, application_id, target, {**extra, "correction_reason": None})
        await queries.save_documents(conn, application_id, checked.documents)
        await _consent_documents(conn, row, applicant, checked)
        await queries.save_move_event(
            conn,
            row,
            actor=applicant,
            role=CITIZEN,
            to_status=target,
            action="resubmit",
            paused_working_days=paused,
            due=due.isoformat() if due else None,
        )
        await announce(conn, row, target)
        if checked.mandate is not None:
            await record_mandate_use(
                conn, mandate=checked.mandate, actor=applicant, application=application_id, number=row["number"]
            )
    return await get_for_citizen(conn, applicant=applicant, application_id=application_id)
