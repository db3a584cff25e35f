"""Checking a draft or a submission against its service: answers, documents, and for whom it is made."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg

from api.accounts.service import AssuranceRequiredError, mandate_allows, mandate_member_name, meets
from api.applications import schemas
from api.applications.forms import check_answers
from api.applications.service import queries
from api.applications.service.errors import (
    ApplicationNotFoundError,
    InvalidApplicationError,
    NoMandateError,
    ProfileIncompleteError,
    no_such_service,
)
from api.lib.errors import FieldError

# A service names the applicant's NIK when its form asks for it by this field name, or when it needs the
# applicant's own identity card (which carries the NIK) as a required document.
APPLICANT_NIK_FIELD = "applicantNik"
APPLICANT_ID_DOCUMENT = "KTP_EL"


@dataclass(frozen=True)
class Checked:
    service: asyncpg.Record
    answers: dict[str, Any]
    documents: list[tuple[uuid.UUID, str]]  # (document, requirement)
    subject_nik: str | None
    subject_name: str
    mandate: uuid.UUID | None

    def contents(self) -> queries.Contents:
        """The columns the application stores from these checks."""
        return queries.Contents(
            service=self.service["id"],
            agency=self.service["agency"],
            region=self.service["region"],
            subject_nik=self.subject_nik,
            subject_name=self.subject_name,
            mandate=self.mandate,
            answers=self.answers,
            sla_days=self.service["sla_days"],
        )


async def fetch_context(
    conn: asyncpg.Connection,
    *,
    applicant: uuid.UUID,
    service_id: uuid.UUID,
    document_ids: list[uuid.UUID],
    idempotency_key: str | None = None,
) -> asyncpg.Record:
    """``queries.CONTEXT``: everything the checks need, and any earlier use of the Idempotency-Key."""
    row = await conn.fetchrow(queries.CONTEXT, service_id, document_ids, applicant, idempotency_key)
    if row is None:
        raise ApplicationNotFoundError  # the account itself is gone: nothing to check against
    return row


def needs_applicant_nik(context: asyncpg.Record) -> bool:
    """Whether the service's form or requirements name the applicant's NIK (see ``APPLICANT_NIK_FIELD``)."""
    if any(f.get("name") == APPLICANT_NIK_FIELD for f in json.loads(context["form"] or "[]")):
        return True
    return any(code == APPLICANT_ID_DOCUMENT and not optional for code, optional in context["requirement_rows"])


def require_complete_profile(context: asyncpg.Record, *, for_nik: str | None) -> None:
    """Refuse (422 ``profile_incomplete``) a submission whose applicant has no name, or no NIK of their own when
    applying for themselves to a service that names it: officers and the result document would show nobody.

    Reads only the submission's own context statement (``queries.CONTEXT``), so it costs no round trip.
    """
    if context["id"] is None:
        return  # no such service: ``check`` says so
    missing = []
    if not (context["my_name"] or "").strip():
        missing.append("name")
    for_myself = not for_nik or for_nik == context["my_nik"]
    if for_myself and not context["my_nik"] and needs_applicant_nik(context):
        missing.append("nik")
    if missing:
        raise ProfileIncompleteError(missing)


def require_assurance(context: asyncpg.Record) -> None:
    """Refuse (403 ``assurance_required``, saying how to reach the level) a submission from an account less sure
    than the service needs: a Disdukcapil document or a licence is not issued on a phone number alone.

    The applicant's level and the service's need come in the submission's own context statement: no round trip.
    For an application made for someone else, the holder of the mandate is the one who must be sure.
    """
    if context["id"] is None:
        return  # no such service: ``check`` says so
    if not meets(context["my_assurance"], context["needed_assurance"]):
        raise AssuranceRequiredError(context["needed_assurance"], context["my_assurance"])


def _check_documents(
    context: asyncpg.Record, document_ids: list[uuid.UUID], *, complete: bool
) -> tuple[list[tuple[uuid.UUID, str]], list[FieldError]]:
    """The listed documents that may be attached (with the requirement each meets), and what is wrong."""
    requirements = dict(context["requirement_rows"])
    docs = {row[0]: row[1:] for row in context["document_rows"]}  # id → (type, status, valid_until)
    now = dt.datetime.now(dt.UTC)
    attached: list[tuple[uuid.UUID, str]] = []
    errors: list[FieldError] = []
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
    return attached, errors


async def _subject(
    conn: asyncpg.Connection, context: asyncpg.Record, applicant: uuid.UUID, for_nik: str | None
) -> tuple[str | None, str, uuid.UUID | None]:
    """For whom (NIK, name) and under which mandate: myself, or a family member my mandate covers (else 403)."""
    if not for_nik or for_nik == context["my_nik"]:
        return context["my_nik"], context["my_name"] or "", None
    mandate = await mandate_allows(conn, holder=applicant, member_nik=for_nik, service_code=context["code"])
    if mandate is None:
        raise NoMandateError
    return for_nik, await mandate_member_name(conn, mandate), mandate


async def check(
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
    """Check answers and documents (all errors at once, 422) and the mandate (403); a draft may be partial."""
    if context is None:
        context = await fetch_context(conn, applicant=applicant, service_id=service_id, document_ids=document_ids)
    if context["id"] is None:
        raise no_such_service()
    clean, errors = check_answers(json.loads(context["form"]), answers, complete=complete)
    attached, document_errors = _check_documents(context, document_ids, complete=complete)
    errors += document_errors
    subject_nik, subject_name, mandate = await _subject(conn, context, applicant, for_nik)
    if errors:
        raise InvalidApplicationError(errors)
    return Checked(context, clean, attached, subject_nik, subject_name, mandate)


async def check_body(
    conn: asyncpg.Connection,
    applicant: uuid.UUID,
    data: schemas.ApplicationCreate | schemas.DraftSave,
    *,
    complete: bool,
    context: asyncpg.Record | None = None,
) -> Checked:
    """``check`` of a submission's or a draft's body."""
    return await check(
        conn,
        applicant=applicant,
        service_id=data.service_id,
        answers=data.answers,
        document_ids=data.document_ids,
        for_nik=data.for_nik,
        complete=complete,
        context=context,
    )
