"""OSS tables: one row per business licence we decided (what we told OSS and what OSS last said), the append-only
events OSS pushed or reconciliation saw, and the differences the daily reconciliation found."""

from __future__ import annotations

from piccolo.columns import JSONB, UUID, BigSerial, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from api.catalogue.tables import Region


class Licence(Table, tablename="oss_licence"):
    """A business-licence application we decided, keyed by the application's id (OSS's ``id_izin``). No foreign key
    to the application: this row is OSS's side of the record and outlives whatever happens to ours."""

    id = UUID(primary_key=True)
    number = Varchar(length=24, null=False)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict, index=True)
    agency_code = Varchar(length=40, null=False)
    service_code = Varchar(length=80, null=False)
    # The NIB the application names (13 digits), or null when it names none that is well-formed.
    nib = Varchar(length=13, null=True, default=None)
    # Our status (approved | completed | rejected) and its OSS code (kd_status: 50 issued, 90 refused).
    our_status = Varchar(length=16, null=False)
    our_kd = Varchar(length=3, null=False)
    # Goes up with each decision forwarded: a message older than the row's is superseded and not sent.
    seq = Integer(null=False, default=1)
    decided_at = Timestamptz(null=False)
    # What OSS acknowledged last (the kd_status we sent, its answer, when).
    sent_kd = Varchar(length=3, null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    oss_ack = Varchar(length=200, null=True, default=None)
    # What OSS says the licence's status is (its push, or the reconciliation's inquiry), and when we heard it.
    oss_kd = Varchar(length=3, null=True, default=None)
    oss_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(null=False, default=TimestamptzNow())
    updated_at = Timestamptz(null=False, default=TimestamptzNow())


class LicenceEvent(Table, tablename="oss_licence_event"):
    """What OSS told us about a licence: append-only (a trigger refuses UPDATE and DELETE)."""

    id = BigSerial(primary_key=True)
    licence = ForeignKey(references=Licence, null=False, on_delete=OnDelete.restrict, index=True)
    at = Timestamptz(null=False, default=TimestamptzNow())
    # push (OSS called us) | reconcile (we asked)
    source = Varchar(length=12, null=False)
    kd_status = Varchar(length=3, null=False)
    # The whole IZINSTATUS as OSS sent it (its own fields and spellings).
    detail = JSONB(null=False, default={})


class Run(Table, tablename="oss_run"):
    """One daily reconciliation: started by one process (the advisory lock and the last run's time decide which)."""

    id = UUID(primary_key=True)
    started_at = Timestamptz(null=False)
    finished_at = Timestamptz(null=True, default=None)
    checked = Integer(null=False, default=0)
    differences = Integer(null=False, default=0)
    # Licences OSS could not be asked about (it was down): asked again in the next run.
    unanswered = Integer(null=False, default=0)


class Difference(Table, tablename="oss_difference"):
    """One licence on which OSS and we disagreed in one reconciliation run."""

    id = BigSerial(primary_key=True)
    run = ForeignKey(references=Run, null=False, on_delete=OnDelete.restrict, index=True)
    licence = ForeignKey(references=Licence, null=False, on_delete=OnDelete.restrict, index=True)
    region = ForeignKey(references=Region, null=False, on_delete=OnDelete.restrict)
    ours = Varchar(length=3, null=False)
    # Null: OSS does not know the licence at all.
    theirs = Varchar(length=3, null=True, default=None)
    found_at = Timestamptz(null=False, default=TimestamptzNow())
