"""Figures: the read model of the record (issue 18).

Every table here is derived: the consumer (``consumer.py``) adds what the append-only event tables of
applications, queue and feedback record, and ``verify.py`` recomputes any period from those events. Nothing here is
ever the only copy of a fact, so the tables could be emptied and rebuilt by a catch-up from position 0.

Each fact table holds a day row (``grain = 'd'``) and a month row (``grain = 'm'``, ``day`` = the first of the
month) per unit, so that a year at national level reads about twelve rows per unit. ``day`` is the local date in the
region's zone (WIB/WITA/WIT). Percentiles are read from the histogram tables (one row per value and unit).

The natural keys (``<table>_key``, with NULLS NOT DISTINCT where the service may be missing), the CHECKs and the
consumer's cursor table ``stats_cursor`` (``source`` → ``position xid8``, ``moved_at``; Piccolo has no xid8 column)
are in the hand-written migration (``migrations/stats/``), as are the region roll-ups (``stats_region_*``: the fact
tables summed per region, kept with them; ``stats_region_skm``: feedback's final SKM days per region) that a
nation's or a province's readings read. The ``id`` columns are there only because Piccolo needs a
single-column primary key; nothing reads them.
"""

from __future__ import annotations

from piccolo.columns import UUID, BigSerial, Date, Integer, SmallInt, Varchar
from piccolo.table import Table


def _count() -> Integer:
    return Integer(null=False, default=0)


class ApplicationFact(Table, tablename="stats_application_fact"):
    """Per service and day (or month): applications received (submitted), decided (approved or rejected), decided
    on or before their due date, completed, rejected, withdrawn, and corrections requested."""

    id = BigSerial(primary_key=True)
    grain = Varchar(length=1, null=False)
    day = Date(null=False)
    region = Varchar(length=4, null=False)
    agency = UUID(null=False)
    service = UUID(null=False)
    received = _count()
    decided = _count()
    decided_in_sla = _count()
    completed = _count()
    rejected = _count()
    withdrawn = _count()
    corrections = _count()


class DecisionDays(Table, tablename="stats_decision_days"):
    """The histogram of working days from submission to decision, per service and day (or month) of decision."""

    id = BigSerial(primary_key=True)
    grain = Varchar(length=1, null=False)
    day = Date(null=False)
    working_days = SmallInt(null=False)
    region = Varchar(length=4, null=False)
    agency = UUID(null=False)
    service = UUID(null=False)
    n = _count()


class QueueFact(Table, tablename="stats_queue_fact"):
    """Per building, agency and service (null: a ticket transferred to an agency without a service) and day (or
    month): tickets issued (walk-ins among them), served, no-shows, served without an application (counter
    transactions), and served within the estimate shown at issue."""

    id = BigSerial(primary_key=True)
    grain = Varchar(length=1, null=False)
    day = Date(null=False)
    region = Varchar(length=4, null=False)
    mpp = UUID(null=False)
    agency = UUID(null=False)
    service = UUID(null=True, default=None)
    issued = _count()
    served = _count()
    no_shows = _count()
    counter_served = _count()
    estimate_accurate = _count()
    walk_ins = _count()


class WaitMinutes(Table, tablename="stats_wait_minutes"):
    """The histogram of waiting minutes (from issue, or the booked time, to the first call) of served tickets."""

    id = BigSerial(primary_key=True)
    grain = Varchar(length=1, null=False)
    day = Date(null=False)
    minutes = SmallInt(null=False)
    region = Varchar(length=4, null=False)
    mpp = UUID(null=False)
    agency = UUID(null=False)
    service = UUID(null=True, default=None)
    n = _count()


class ComplaintFact(Table, tablename="stats_complaint_fact"):
    """Per agency and day (or month): complaints received, answered (the first answer), answered by the due date."""

    id = BigSerial(primary_key=True)
    grain = Varchar(length=1, null=False)
    day = Date(null=False)
    region = Varchar(length=4, null=False)
    agency = UUID(null=False)
    received = _count()
    answered = _count()
    answered_on_time = _count()


class OfficerFact(Table, tablename="stats_officer_fact"):
    """Per officer, agency and day (or month): decisions (approve, reject), corrections requested, tickets served.
    Personal data of staff: read only by those the figures' access rule names, and each read is audited."""

    id = BigSerial(primary_key=True)
    grain = Varchar(length=1, null=False)
    day = Date(null=False)
    region = Varchar(length=4, null=False)
    agency = UUID(null=False)
    officer = UUID(null=False)
    decisions = _count()
    corrections = _count()
    tickets_served = _count()
