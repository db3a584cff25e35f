"""Feedback tables: the SKM survey (PermenPANRB 14/2017) tied to real transactions, its running sums, public
replies to comments, and complaints (pengaduan) with their append-only history and SP4N-LAPOR! hand-off.

What Piccolo cannot express is in the hand-written migration (``migrations/feedback/``): score ranges, statuses
and kinds as CHECKs; one invitation per transaction; one answer per invitation; the append-only triggers of
answers, replies and complaint events; the complaint categories (SP4N-LAPOR!'s response days).

Who answered is never stored beside the answer: ``feedback_invitation`` knows the account and the transaction,
``feedback_survey`` knows the scores, the officer, the agency and the service. Staff routes read only the latter.
"""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    BigInt,
    BigSerial,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.column_types import JSONB
from piccolo.table import Table

from api.accounts.tables import Account
from api.catalogue.tables import Agency, Region, Service


class Invitation(Table, tablename="feedback_invitation"):
    """An invitation to answer the survey for one transaction: an application completed or rejected, or a queue
    ticket served. Made in the transaction that ends it (so: once); ``account`` is null for a walk-in ticket
    (answered at the kiosk with the ticket's follow token) and after the account's erasure."""

    id = UUID(primary_key=True)
    kind = Varchar(length=12, null=False)  # application | ticket
    # The application's or the ticket's id (unique with kind). The column is ``ref``; the attribute is not, as
    # Piccolo's Table already has a ``ref`` method.
    transaction = UUID(null=False, db_column_name="ref")
    account = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict)
    service = ForeignKey(references=Service, null=True, default=None, on_delete=OnDelete.restrict)
    # Who served it (the deciding officer, the officer at the counter): recorded with the answer.
    officer = UUID(null=True, default=None)
    # The building's local date of the transaction: the period the answer counts in.
    day = Date(null=False)
    created_at = Timestamptz(null=False)
    answered_at = Timestamptz(null=True, default=None)
    # Invitations are offered for a while only (a survey about a visit months ago measures little).
    expires_at = Timestamptz(null=False)


class Survey(Table, tablename="feedback_survey"):
    """One answer to the nine SKM elements, each 1–4, and an optional comment. Append-only; no account."""

    id = UUID(primary_key=True)
    invitation = ForeignKey(references=Invitation, null=False, unique=True, on_delete=OnDelete.restrict)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict)
    service = ForeignKey(references=Service, null=True, default=None, on_delete=OnDelete.restrict)
    officer = UUID(null=True, default=None)
    day = Date(null=False)
    channel = Varchar(length=8, null=False)  # app | kiosk
    requirements = SmallInt(null=False)
    procedure = SmallInt(null=False)
    time = SmallInt(null=False)
    cost = SmallInt(null=False)
    product = SmallInt(null=False)
    competence = SmallInt(null=False)
    behaviour = SmallInt(null=False)
    complaints = SmallInt(null=False)
    facilities = SmallInt(null=False)
    comment = Varchar(length=1000, null=True, default=None)
    answered_at = Timestamptz(null=False)


class SkmDaily(Table, tablename="feedback_skm_daily"):
    """Running sums per service (or agency, for a ticket without a service), agency, region and local day, kept
    in the transaction that adds an invitation or an answer (in one of eight shards per unit and day): the
    index of any unit and period is a sum over these rows, and ``mpp stats verify`` recomputes them from the record."""

    id = BigSerial(primary_key=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict)
    # Null for tickets without a service; the unique key treats null as a value (NULLS NOT DISTINCT).
    service = ForeignKey(references=Service, null=True, default=None, on_delete=OnDelete.restrict)
    day = Date(null=False)
    # 0–7, from the writing connection: a busy agency finishes a ticket at every counter at once, and one row
    # per unit and day would make those transactions wait for each other's commits (measured in
    # bench/queue_bench.py: call-next queued on this row's lock). Reads sum over days anyway, and so over shards.
    shard = SmallInt(null=False, default=0)
    # Invitations made: the population the sample size is computed from.
    transactions = Integer(null=False, default=0)
    respondents = Integer(null=False, default=0)
    sum_requirements = BigInt(null=False, default=0)
    sum_procedure = BigInt(null=False, default=0)
    sum_time = BigInt(null=False, default=0)
    sum_cost = BigInt(null=False, default=0)
    sum_product = BigInt(null=False, default=0)
    sum_competence = BigInt(null=False, default=0)
    sum_behaviour = BigInt(null=False, default=0)
    sum_complaints = BigInt(null=False, default=0)
    sum_facilities = BigInt(null=False, default=0)


class Reply(Table, tablename="feedback_reply"):
    """An agency's public answer to a survey comment. Append-only: an edit is a new row; the latest is shown,
    and ``withdrawn`` hides the pair again."""

    id = BigSerial(primary_key=True)
    survey = ForeignKey(references=Survey, null=False, on_delete=OnDelete.restrict, index=True)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict)
    author = UUID(null=False)
    text = Varchar(length=2000, null=False)
    withdrawn = Boolean(null=False, default=False)
    at = Timestamptz(null=False)


class ComplaintCategory(Table, tablename="feedback_complaint_category"):
    """Response deadlines in working days, as published for SP4N-LAPOR! (seeded by the hand-written migration)."""

    code = Varchar(length=16, primary_key=True)
    name_id = Varchar(length=80, null=False)
    name_en = Varchar(length=80, null=False)
    response_days = SmallInt(null=False)
    position = SmallInt(null=False)


class ComplaintSequence(Table, tablename="feedback_complaint_sequence"):
    """The last complaint number of a region in a year (ADU-3201-2026-000123)."""

    id = UUID(primary_key=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    year = SmallInt(null=False)
    seq = Integer(null=False, default=0)


class Complaint(Table, tablename="feedback_complaint"):
    """A complaint (pengaduan) about a service, an application, a ticket or an officer.

    status: submitted → answered → closed; submitted → escalated (overdue, or the citizen disputes the answer)
    → answered → closed. ``anonymous`` hides the complainant from the agency (the region admin still sees who,
    as SP4N-LAPOR! does with its "rahasia" reports). Every change is a ``feedback_complaint_event`` row.
    """

    id = UUID(primary_key=True)
    number = Varchar(length=24, null=False, unique=True)
    account = ForeignKey(references=Account, null=True, default=None, on_delete=OnDelete.set_null, index=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    agency = ForeignKey(references=Agency, null=False, on_delete=OnDelete.restrict)
    service = ForeignKey(references=Service, null=True, default=None, on_delete=OnDelete.restrict)
    application = UUID(null=True, default=None)
    ticket = UUID(null=True, default=None)
    # The officer complained about (staff see that a complaint names them only through their supervisor).
    officer = UUID(null=True, default=None)
    category = ForeignKey(references=ComplaintCategory, null=False, on_delete=OnDelete.restrict)
    text = Varchar(length=4000, null=False)
    anonymous = Boolean(null=False, default=False)
    # A document of the complainant's wallet, attached (the document, not a copy; access through the complaint).
    attachment = UUID(null=True, default=None)
    status = Varchar(length=12, null=False, default="submitted")
    due_date = Date(null=False)
    answer = Varchar(length=4000, null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)
    answered_by = UUID(null=True, default=None)
    escalated_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    # confirmed (the citizen) | timeout (no reply after the answer) | withdrawn (the citizen)
    close_reason = Varchar(length=12, null=True, default=None)
    # The citizen's confirmation is awaited until then; then the worker closes it.
    confirm_by = Timestamptz(null=True, default=None)
    # SP4N-LAPOR!'s tracking id and last known status (the connector keeps them).
    lapor_id = Varchar(length=40, null=True, default=None)
    lapor_status = Varchar(length=40, null=True, default=None)
    lapor_checked_at = Timestamptz(null=True, default=None)
    idempotency_key = Varchar(length=100, null=True, default=None)
    version = Integer(null=False, default=1)
    created_at = Timestamptz(null=False)
    updated_at = Timestamptz(null=False)


class ComplaintEvent(Table, tablename="feedback_complaint_event"):
    """What happened to a complaint, by whom: append-only."""

    id = BigSerial(primary_key=True)
    complaint = ForeignKey(references=Complaint, null=False, on_delete=OnDelete.restrict, index=True)
    at = Timestamptz(null=False)
    actor = UUID(null=True, default=None)
    # citizen | officer | supervisor | admin | system | lapor
    actor_role = Varchar(length=12, null=False)
    from_status = Varchar(length=12, null=True, default=None)
    to_status = Varchar(length=12, null=False)
    # filed | answered | escalated | disputed | confirmed | closed | withdrawn | forwarded | lapor_status
    action = Varchar(length=16, null=False)
    text = Text(null=True, default=None)
    detail = JSONB(null=False, default={})
