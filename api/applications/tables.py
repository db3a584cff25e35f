"""Applications: a citizen's request for a service, its documents, and its immutable timeline."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    UUID,
    Array,
    BigSerial,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.accounts.tables import Account, Mandate
from api.catalogue.tables import Agency, Region, Service
from api.wallet.tables import Document


class Application(Table, tablename="applications_application"):
    id = UUID(primary_key=True)
    # Human-readable, printed on receipts and spoken at the counter: 3302-2611-000123.
    number = Varchar(length=24, null=True, default=None, unique=True)
    service = ForeignKey(references=Service, null=False, on_delete=OnDelete.restrict, index=True)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    # Who submits (and follows it), and for whom: themselves, or a family member under a mandate.
    # No index of its own: applications_applicant_idx (applicant, created_at) serves every lookup by applicant.
    applicant = ForeignKey(references=Account, null=False, on_delete=OnDelete.restrict)
    subject_nik = Varchar(length=16, null=True, default=None)
    subject_name = Varchar(length=120, null=False, default="")
    mandate = ForeignKey(references=Mandate, null=True, default=None, on_delete=OnDelete.restrict)
    # draft | submitted | in_review | needs_correction | approved | completed | rejected | withdrawn
    status = Varchar(length=16, null=False)
    # The version of the service standard in force when it was submitted (catalogue_service_version).
    service_version = Integer(null=True, default=None)
    answers = JSONB(null=False, default={})
    sla_days = SmallInt(null=False)
    submitted_at = Timestamptz(null=True, default=None)
    # The deadline in working days, extended by the days spent waiting for the citizen.
    due_date = Date(null=True, default=None)
    paused_since = Date(null=True, default=None)
    assigned_to = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    correction_reason = Varchar(length=1000, null=True, default=None)
    decision_reason = Varchar(length=1000, null=True, default=None)
    result_document = ForeignKey(references=Document, null=True, default=None, on_delete=OnDelete.set_null)
    # Optimistic concurrency: every change bumps it; If-Match / "version" must name the current one.
    version = Integer(null=False, default=1)
    idempotency_key = Varchar(length=100, null=True, default=None)
    request_hash = Varchar(length=64, null=True, default=None)
    flagged = Boolean(null=False, default=False)
    # The identity numbers the answers name (NIK fields): the anti-broker signal counts distinct strangers.
    named_niks = Array(base_column=Varchar(length=16), null=False, default=[])
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    updated_at = Timestamptz(null=False, default=TimestamptzNow())


class ApplicationDocument(Table, tablename="applications_document"):
    application = ForeignKey(references=Application, null=False, on_delete=OnDelete.cascade, index=True)
    document = ForeignKey(references=Document, null=False, on_delete=OnDelete.restrict, index=True)
    requirement = Varchar(length=40, null=False)


class ApplicationEvent(Table, tablename="applications_event"):
    """The timeline: append-only (a trigger refuses UPDATE and DELETE)."""

    id = BigSerial(primary_key=True)
    application = UUID(null=False)
    at = Timestamptz(null=False, default=TimestamptzNow())
    actor = UUID(null=True, default=None)
    # citizen | officer | supervisor | system
    actor_role = Varchar(length=12, null=False)
    from_status = Varchar(length=16, null=True, default=None)
    to_status = Varchar(length=16, null=False)
    action = Varchar(length=24, null=False)
    reason = Varchar(length=1000, null=True, default=None)
    detail = JSONB(null=False, default={})


class BrokerFlag(Table, tablename="applications_broker_flag"):
    """An account that submits for many different people without family mandates (a possible *calo*)."""

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, on_delete=OnDelete.cascade, index=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict, index=True)
    people = Integer(null=False)
    window_days = SmallInt(null=False)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    reviewed_at = Timestamptz(null=True, default=None)
