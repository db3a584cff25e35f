"""The officer's side: the inbox, claiming and handing on, decisions, the issued result; the supervisor's view.

An officer sees their own agency's applications in their own region, never a draft; anything else reads as
"no such application" (404), so ids cannot be probed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.accounts import service as accounts
from api.applications import result_pdf, schemas
from api.applications.service import queries
from api.applications.service.announce import announce
from api.applications.service.errors import (
    ApplicationNotFoundError,
    IllegalTransitionError,
    InvalidApplicationError,
)
from api.applications.service.reading import read_detail, summary
from api.applications.service.rules import (
    DUE_SOON_WORKING_DAYS,
    NEEDS_REASON,
    allowed,
    expect,
    local_today,
    output_types,
)
from api.applications.statuses import NEEDS_CORRECTION, OPEN, OfficerAction
from api.audit.service import mask_nik, record, record_read
from api.calendar.service import ensure_loaded, working_calendar
from api.catalogue import service as catalogue
from api.feedback import surveys as feedback
from api.lib.errors import FieldError
from api.lib.staff import Officer
from api.wallet import service as wallet
from api.wallet.service import Wallet

OFFICER = "officer"


async def _agency_id(conn: asyncpg.Connection, officer: Officer) -> uuid.UUID:
    agency: uuid.UUID | None = await conn.fetchval(queries.AGENCY_ID, officer.agency_code, officer.region)
    if agency is None:
        raise ApplicationNotFoundError
    return agency


async def _officer_row(
    conn: asyncpg.Connection, officer: Officer, application_id: uuid.UUID, *, lock: bool
) -> asyncpg.Record:
    row = await queries.fetch_for_agency(conn, await _agency_id(conn, officer), application_id, lock=lock)
    if row is None:
        raise ApplicationNotFoundError
    return row


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
    await ensure_loaded(conn)
    # "Due within N working days" on the calendar of the officer's region (its own days off count).
    cal = working_calendar(officer.region)
    due_by = cal.add_working_days(today, filters.due_within_days) if filters.due_within_days is not None else None
    # Only the filters present are written (no `$1 IS NULL OR …`): each combination gets a plan that uses the
    # partial inbox index, whose open statuses are in queries.OPEN_CONDITION.
    where = ["a.agency = $1", "a.status = $2" if filters.status else queries.OPEN_CONDITION]
    args: list[Any] = [agency, filters.status] if filters.status else [agency]
    if filters.overdue:
        args.append(today)
        where.append(f"a.due_date < ${len(args)} AND a.status <> '{NEEDS_CORRECTION}'")
    if due_by is not None:
        args.append(due_by)
        where.append(f"a.due_date <= ${len(args)} AND a.status <> '{NEEDS_CORRECTION}'")
    if filters.service:
        args.append(filters.service)
        where.append(f"s.code = ${len(args)}")
    if filters.mine:
        args.append(officer.id)
        where.append(f"a.assigned_to = ${len(args)}")
    condition = " AND ".join(where)
    args += [page_size, (page - 1) * page_size]
    rows = await conn.fetch(
        queries.SELECT_SUMMARY
        + f" WHERE {condition} ORDER BY a.due_date ASC NULLS LAST, a.id LIMIT ${len(args) - 1} OFFSET ${len(args)}",
        *args,
    )
    total = await _inbox_total(conn, agency, filters, condition, args[:-2])
    return schemas.ApplicationList(items=[summary(r) for r in rows], total=total, page=page, page_size=page_size)


async def _inbox_total(
    conn: asyncpg.Connection, agency: uuid.UUID, filters: InboxFilter, condition: str, args: list[Any]
) -> int:
    """How many cases the inbox's filters select. The whole inbox, or one open status of it, is read from the
    counts triggers keep (applications_open_count): counting the rows cost as much as the agency had open cases
    (bench/growth_bench.py). Narrower filters count their rows."""
    statuses = [filters.status] if filters.status else list(OPEN)
    if not (filters.overdue or filters.due_within_days is not None or filters.service or filters.mine) and all(
        s in OPEN for s in statuses
    ):
        counted: int = await conn.fetchval(queries.OPEN_COUNT, agency, statuses)
        return counted
    # The service table is joined for the count only when filtering by service: the join made PostgreSQL
    # read every open case's row instead of the index alone (bench/scale_bench.py).
    joined = "JOIN catalogue_service s ON s.id = a.service " if filters.service else ""
    total: int = await conn.fetchval(
        f"SELECT count(*) FROM applications_application a {joined}WHERE {condition}", *args
    )
    return total


async def officer_view(
    conn: asyncpg.Connection, *, officer: Officer, application_id: uuid.UUID, ip: str
) -> schemas.ApplicationDetail:
    """An application with its answers and documents; the read goes into the citizen's access log, once per
    officer and application per hour (a review reloads the application after every step)."""
    row = await _officer_row(conn, officer, application_id, lock=False)
    await record_read(
        conn,
        action="application.read",
        actor=officer.id,
        subject=row["applicant"],
        item=application_id,
        detail={"application": str(application_id), "agency": officer.agency_code, "via": "officer"},
        ip=ip,
    )
    return await read_detail(conn, application_id)


async def assign(
    conn: asyncpg.Connection, *, officer: Officer, application_id: uuid.UUID, to: uuid.UUID | None, version: int | None
) -> schemas.ApplicationDetail:
    """Claim (to myself) or hand to a colleague of the same agency and region."""
    target = to or officer.id
    if to is not None and to != officer.id:
        agency = await conn.fetchval(queries.AGENCY_ID, officer.agency_code, officer.region)
        if agency is None or not await accounts.is_officer_of(conn, to, agency=agency, region=officer.region):
            raise InvalidApplicationError([FieldError(field="officerId", message="is not an officer of your agency")])
    async with conn.transaction():
        row = await _officer_row(conn, officer, application_id, lock=True)
        expect(row, version)
        if row["status"] not in OPEN:
            raise IllegalTransitionError(f"the application is {row['status']}")
        await conn.execute(
            "UPDATE applications_application SET assigned_to = $2, version = version + 1, updated_at = now() "
            "WHERE id = $1",
            application_id,
            target,
        )
        await queries.save_move_event(
            conn, row, actor=officer.id, role=OFFICER, to_status=row["status"], action="assign", assignee=str(target)
        )
    return await read_detail(conn, application_id)


async def decide(
    conn: asyncpg.Connection,
    wallet_runtime: Wallet | None,
    *,
    officer: Officer,
    application_id: uuid.UUID,
    action: OfficerAction,
    reason: str | None,
    version: int | None,
    ip: str,
) -> schemas.ApplicationDetail:
    """An officer moves an application on. Exactly one of two simultaneous decisions wins (row lock)."""
    if action in NEEDS_REASON and not (reason and reason.strip()):
        raise InvalidApplicationError([FieldError(field="reason", message="is required for this decision")])
    async with conn.transaction():
        row = await _officer_row(conn, officer, application_id, lock=True)
        expect(row, version)
        target = allowed(row, action)
        columns = await _decision_columns(conn, wallet_runtime, row, officer, action, reason)
        await queries.save_status(conn, application_id, target, columns)
        await queries.save_move_event(
            conn, row, actor=officer.id, role=OFFICER, to_status=target, action=action, reason=reason
        )
        await announce(conn, row, target)
        await feedback.invite_for_application(conn, row, status=target, officer=officer.id)
        await record(
            conn,
            action=f"application.{action}",
            actor=officer.id,
            subject=row["applicant"],
            detail={"application": str(application_id), "agency": officer.agency_code},
            ip=ip,
        )
    return await read_detail(conn, application_id)


async def _decision_columns(
    conn: asyncpg.Connection,
    wallet_runtime: Wallet | None,
    row: asyncpg.Record,
    officer: Officer,
    action: OfficerAction,
    reason: str | None,
) -> dict[str, Any]:
    """What a decision stores beside the status; completing issues the result into the citizen's wallet, and
    the first officer to decide an unassigned application takes it."""
    columns: dict[str, Any] = {}
    if action == "request_correction":
        columns = {"paused_since": local_today(row["region"]), "correction_reason": reason}
    elif action in ("approve", "reject"):
        columns = {"decision_reason": reason}
    elif action == "complete":
        assert wallet_runtime is not None, "completing issues a document into the wallet"
        columns = {"result_document": await _issue_result(conn, wallet_runtime, row, officer)}
    if row["assigned_to"] is None:
        columns["assigned_to"] = officer.id
    return columns


async def _issue_result(
    conn: asyncpg.Connection, wallet_runtime: Wallet, row: asyncpg.Record, officer: Officer
) -> uuid.UUID:
    """Render the service's result (a signed PDF) and issue it into the applicant's wallet. It names whom it is
    for (name and masked NIK), who applied if someone else did, the agency and its officers: a document that
    names nobody proves nothing at a counter."""
    service = await catalogue.service_names(conn, row["service"])
    assert service is not None, "applications_application.service is a foreign key"
    decider = await conn.fetchval(queries.DECIDER, row["id"])
    people = await accounts.people(conn, [officer.id, row["applicant"], decider])
    nobody = accounts.Person(name="", phone="", nik=None, language="id", active=False)
    applicant = people.get(row["applicant"], nobody)
    document = result_pdf.ResultDocument(
        number=row["number"],
        title=service.output_id or service.name_id,
        service=service.name_id,
        agency=service.agency_name_id,
        region=service.region_name,
        holder=row["subject_name"] or applicant.name or "-",
        holder_nik=mask_nik(row["subject_nik"] or applicant.nik),
        decided_on=local_today(row["region"]),
        officer=people.get(officer.id, nobody).name or "-",
        applicant=applicant.name or None,
        decided_by=people.get(decider, nobody).name or None,
    )
    type_code = output_types().get(service.code, "HASIL_LAYANAN")
    valid_months = await catalogue.validity_months(conn, type_code)
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
    await ensure_loaded(conn)
    soon = working_calendar(officer.region).add_working_days(today, DUE_SOON_WORKING_DAYS)
    rows = await conn.fetch(queries.WORKLOAD, agency, today, soon, list(OPEN))
    names = await accounts.names(conn, [r["assigned_to"] for r in rows])
    items = [
        schemas.OfficerWorkload(
            officer=r["assigned_to"],
            name=names.get(r["assigned_to"]) or "(belum ditugaskan)",
            open=r["open"],
            overdue=r["overdue"],
            due_soon=r["due_soon"],
        )
        for r in rows
    ]
    return schemas.Workload(items=items, total=len(items))


async def broker_flags(conn: asyncpg.Connection, *, officer: Officer) -> schemas.FlagList:
    """The region's unreviewed broker flags, newest first."""
    rows = await conn.fetch(queries.BROKER_FLAGS, officer.region)
    people = await accounts.people(conn, [r["account"] for r in rows])
    items = [
        schemas.Flag(
            id=r["id"],
            account=r["account"],
            name=people[r["account"]].name,
            phone=people[r["account"]].phone,
            people=r["people"],
            window_days=r["window_days"],
            created_at=r["created_at"],
        )
        for r in rows
        if r["account"] in people  # as the inner join before: a flag whose account is gone is not listed
    ]
    return schemas.FlagList(items=items, total=len(items))
