"""Import and export of a region's catalogue as YAML, in the data files' format (issue 15, part 6).

An export is the region's catalogue as it is now (``transfer_state``). An import reads a file (``transfer_check``:
safe YAML, the data files' structs and cross-checks, every problem at its path), compares it with the catalogue and
answers the **changes** it would make. A dry run (the default) also tries them, in a transaction it rolls back, so
that a change the database or a rule would refuse (a counter number in use, an agency that still has staff) is a
problem of the dry run and not a surprise of the apply. The apply does the same for real, in **one** transaction —
all or nothing — through the functions the admin screens use (the building's, the standards'), each audited; a
local service whose content changed is published as its next version with the reason given. Nothing is deleted: a
service left out of the file is retired, an agency leaves the building only when nothing depends on it.

The apply sends back the dry run's ``basis`` (If-Match): if the region's catalogue changed in between, it is refused
(409 ``catalogue_changed``) and the admin checks the file again.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from api.audit.service import record
from api.catalogue.timezones import local_today
from api.catalogue.transfer_check import check_file, parse
from api.catalogue.transfer_plan import Actor, Context, Step, TransferChange, plan
from api.catalogue.transfer_state import export_yaml, read_current
from api.lib.errors import DomainError, FieldError
from api.lib.http import Lang
from api.lib.wire import Struct

__all__ = ["Actor", "TransferChange", "TransferProblem", "TransferResult", "export_catalogue", "import_catalogue"]

# Sentences of problems the apply itself meets (a fixed set, said in the reader's language by the screen).
IN_USE = "cannot leave the MPP while it has active services, counters or staff"
NUMBER_TAKEN = "is the number of another live counter"
CODE_TAKEN = "is the code of another service"
NATIONAL_CODE = "is the code of a national service"
DATABASE_REFUSED = "was refused by the database (it clashes with another record)"
REASON = "say why (1-500 characters)"
# The reason recorded by a dry run's trial (rolled back: nobody ever reads it).
_TRIAL_REASON = "Pemeriksaan impor katalog"


class TransferProblem(Struct):
    field: str  # where in the file: mpp.openingHours.fri[1], localServices[3].requirements[0].type
    detail: str
    message: str  # the same sentence, under the name problem+json's field errors use


class TransferResult(Struct):
    valid: bool
    applied: bool
    basis: str  # send it back as If-Match to apply (the catalogue as this answer saw it)
    problems: list[TransferProblem]
    changes: list[TransferChange]


class InvalidCatalogueError(DomainError):
    """422 ``invalid_catalogue``: the file cannot be applied; ``errors`` says where and why."""

    status = 422
    code = "invalid_catalogue"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            "The file cannot be applied: " + "; ".join(f"{e.field} {e.message}" for e in errors[:5]), errors=errors
        )


class CatalogueChangedError(DomainError):
    status = 409
    code = "catalogue_changed"
    detail = "The region's catalogue changed since the file was checked: check it again, then apply."


class BasisRequiredError(DomainError):
    status = 428
    code = "precondition_required"
    detail = "Send If-Match with the basis the dry run answered, so that no change made meanwhile is overwritten."


@dataclass(frozen=True)
class Export:
    content: bytes
    basis: str
    filename: str


async def export_catalogue(conn: asyncpg.Connection, *, region: str) -> Export:
    """The region's catalogue as a YAML file (``katalog-3302-2026-12-04.yaml``), with its basis."""
    current = await read_current(conn, region)
    today = local_today(region).isoformat()
    return Export(export_yaml(current, today=today), current.basis, f"katalog-{region}-{today}.yaml")


# --- making them -----------------------------------------------------------------------------------------------

_MESSAGES = {
    "in_use": IN_USE,
    "number_taken": NUMBER_TAKEN,
    "code_taken": CODE_TAKEN,
    "national_service": NATIONAL_CODE,
}


def _refusal(step: Step, exc: DomainError) -> list[FieldError]:
    """A refused change's problems at their places in the file."""
    if exc.errors and exc.code not in _MESSAGES:
        return [FieldError(field=step.where(e.field), message=e.message) for e in exc.errors]
    return [FieldError(field=step.path, message=_MESSAGES.get(exc.code, exc.detail))]


async def _execute(ctx: Context, steps: list[Step]) -> None:
    """Make every change in order, in the caller's transaction; the first refusal stops them all (422)."""
    for step in steps:
        try:
            async with ctx.conn.transaction():  # a savepoint: a refused statement leaves the connection usable
                step.change.version = await step.run(ctx)
        except DomainError as exc:
            raise InvalidCatalogueError(_refusal(step, exc)) from None
        except (asyncpg.IntegrityConstraintViolationError, asyncpg.DataError):
            raise InvalidCatalogueError([FieldError(field=step.path, message=DATABASE_REFUSED)]) from None


async def _lock(conn: asyncpg.Connection, region: str) -> None:
    """One import of a region at a time (a second one waits, then finds the basis moved)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"catalogue-import/{region}")


class _DryRunDoneError(Exception):
    """Ends a dry run's trial: its transaction rolls back."""


async def _trial(ctx: Context, steps: list[Step]) -> list[FieldError]:
    """The problems making the changes would meet, found by making them in a transaction rolled back."""
    try:
        async with ctx.conn.transaction():
            await _lock(ctx.conn, ctx.region)
            await _execute(ctx, steps)
            raise _DryRunDoneError
    except _DryRunDoneError:
        return []
    except InvalidCatalogueError as exc:
        return exc.errors or []
    finally:
        for step in steps:
            step.change.version = None


def _problems(errors: list[FieldError]) -> list[TransferProblem]:
    return [TransferProblem(field=e.field, detail=e.message, message=e.message) for e in errors]


def _reason(reason: str | None) -> str:
    cleaned = " ".join((reason or "").split())
    if not cleaned or len(cleaned) > 500:
        raise InvalidCatalogueError([FieldError(field="reason", message=REASON)])
    return cleaned


async def import_catalogue(
    conn: asyncpg.Connection,
    *,
    region: str,
    body: bytes,
    actor: Actor,
    lang: Lang,
    dry_run: bool = True,
    basis: str | None = None,
    reason: str | None = None,
) -> TransferResult:
    """Check an uploaded catalogue file against the region's catalogue and answer the changes it makes; with
    ``dry_run`` False, make them in one transaction (``basis``: the dry run's, else 428; moved on: 409)."""
    raw = parse(body)
    if dry_run:
        current = await read_current(conn, region)
        checked = await check_file(conn, raw, current)
        if checked.document is None:
            return TransferResult(
                valid=False, applied=False, basis=current.basis, problems=_problems(checked.problems), changes=[]
            )
        steps = plan(current, checked.document, lang)
        refused = await _trial(Context(conn, region, actor, _TRIAL_REASON, lang), steps) if steps else []
        return TransferResult(
            valid=not refused,
            applied=False,
            basis=current.basis,
            problems=_problems(refused),
            changes=[s.change for s in steps],
        )
    if not basis:
        raise BasisRequiredError()
    ctx = Context(conn, region, actor, _reason(reason), lang)
    async with conn.transaction():
        await _lock(conn, region)
        current = await read_current(conn, region)
        if current.basis != basis:
            raise CatalogueChangedError()
        checked = await check_file(conn, raw, current)
        if checked.document is None:
            raise InvalidCatalogueError(checked.problems)
        steps = plan(current, checked.document, lang)
        await _execute(ctx, steps)
        if steps:
            await record(
                conn,
                action="catalogue.imported",
                actor=actor.id,
                subject=None,
                detail={
                    "region": region,
                    "reason": ctx.reason,
                    "changes": [f"{s.change.kind} {s.change.action} {s.change.code}" for s in steps],
                },
                ip=actor.ip,
            )
        after = await read_current(conn, region)
    return TransferResult(valid=True, applied=True, basis=after.basis, problems=[], changes=[s.change for s in steps])
