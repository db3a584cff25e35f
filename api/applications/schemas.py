"""Wire types of applications and casework."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

from api.applications.statuses import OfficerAction, Status
from api.lib.wire import Input, Struct

Action = OfficerAction
DocumentIds = Annotated[list[uuid.UUID], msgspec.Meta(max_length=30)]
Answers = Annotated[dict[str, Any], msgspec.Meta(description="Answers to the service's form, by field name")]
Reason = Annotated[str, msgspec.Meta(max_length=1000)]


class Ref(Struct):
    code: str
    name: str


class ApplicationCreate(Input):
    service_id: uuid.UUID
    answers: Answers = {}
    document_ids: DocumentIds = []
    # For a family member under a mandate; absent: for myself.
    for_nik: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{16}$")] | None = None
    # Submitting a saved draft.
    draft_id: uuid.UUID | None = None


class DraftSave(Input):
    service_id: uuid.UUID
    answers: Answers = {}
    document_ids: DocumentIds = []
    for_nik: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{16}$")] | None = None
    # The version read; a save from a stale copy (another device) answers 412.
    version: int | None = None


class Resubmit(Input):
    answers: Answers | None = None
    document_ids: DocumentIds | None = None
    version: int | None = None


class Withdraw(Input):
    reason: Reason | None = None
    version: int | None = None


class Decision(Input):
    action: Action
    reason: Reason | None = None
    version: int | None = None


class Assign(Input):
    officer_id: uuid.UUID | None = None  # absent: to myself (claim)
    version: int | None = None


class BulkStart(Input):
    ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=100)]


class AttachableDocument(Struct):
    """A wallet document that may be attached for a requirement (the submission's own rule: of that type, not
    rejected, not past its validity); ``pending`` ones are uploaded and still await verification."""

    id: uuid.UUID
    title: str
    state: Literal["satisfied", "pending"]
    created_at: dt.datetime


class RequirementState(Struct):
    code: str
    name: str
    optional: bool
    # satisfied (verified or issued), pending (uploaded, not yet verified), expired, rejected, missing
    state: Literal["satisfied", "pending", "expired", "rejected", "missing"]
    document_id: uuid.UUID | None = None
    # Every document that may be attached, the best first (verified before pending, newest first).
    documents: list[AttachableDocument] = []


class Readiness(Struct):
    service_id: uuid.UUID
    requirements: list[RequirementState]
    ready: bool


class Deadline(Struct):
    due_date: dt.date | None
    paused: bool
    overdue: bool
    due_soon: bool
    working_days_left: int | None = None


class TimelineEntry(Struct):
    at: dt.datetime
    to_status: str
    action: str
    actor_role: str
    from_status: str | None = None
    reason: str | None = None
    actor: str | None = None


class AttachedDocument(Struct):
    id: uuid.UUID
    requirement: str
    type: Ref
    status: str
    media_type: str


class ApplicationSummary(Struct):
    id: uuid.UUID
    status: Status
    service: Ref
    agency: Ref
    region: Ref
    deadline: Deadline
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    # The contract's top-level field (CONTRACT.md: POST /api/v1/applications → ``id``, ``status``, ``dueDate``):
    # the same day as ``deadline.dueDate``, which stays for the clients that read the whole deadline.
    due_date: dt.date | None = None
    number: str | None = None
    subject_name: str | None = None
    submitted_at: dt.datetime | None = None
    assigned_to: uuid.UUID | None = None
    assignee: str | None = None
    flagged: bool = False


class ApplicationDetail(ApplicationSummary):
    answers: dict[str, Any] = {}
    documents: list[AttachedDocument] = []
    timeline: list[TimelineEntry] = []
    correction_reason: str | None = None
    decision_reason: str | None = None
    result_document: uuid.UUID | None = None
    # What the citizen must do now, in plain words (needs_correction).
    action_needed: str | None = None
    # Officers' view only: the applicant's assurance level (phone | registry | in_person).
    applicant_assurance: str | None = None
    # The service, and the version of its standard the application was made under (null for a draft):
    # GET /api/v1/services/{serviceId}/versions/{serviceVersion} shows that standard.
    service_id: uuid.UUID | None = None
    service_version: int | None = None


class ApplicationList(Struct):
    items: list[ApplicationSummary]
    total: int
    page: int = 1
    page_size: int = 20


class OfficerWorkload(Struct):
    officer: uuid.UUID | None
    name: str
    open: int
    overdue: int
    due_soon: int


class Workload(Struct):
    items: list[OfficerWorkload]
    total: int


class Flag(Struct):
    id: uuid.UUID
    account: uuid.UUID
    name: str
    phone: str
    people: int
    window_days: int
    created_at: dt.datetime


class FlagList(Struct):
    items: list[Flag]
    total: int


class BulkResult(Struct):
    started: list[uuid.UUID]
    skipped: list[uuid.UUID]
