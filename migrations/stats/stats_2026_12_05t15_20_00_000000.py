"""Hand-written: the region roll-ups that national and provincial readings (the ranking of the regions, a province's
or the nation's dashboard) read instead of every service's rows — a region's day and month in one row.

- ``stats_region_application``, ``_decision_days``, ``_queue``, ``_wait_minutes``, ``_complaint``: the fact tables
  summed over the units below the region, kept by the consumer in the same transaction as the facts
  (``api/stats/sources.py``), filled here from the facts already counted;
- ``stats_region_skm``: feedback's SKM running sums (``feedback_skm_daily``) per region and day, and per month once
  the month is over, for the days no answer can change any more (an invitation is answered within
  ``OPEN_DAYS``); ``stats_skm_rollup.through`` is the last such day rolled up (``api/stats/skm_rollup.py``). Later
  days are read from the running sums themselves.

Not Piccolo tables: only the consumer, the roll-up and the readers touch them, by hand-written SQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T15:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "region roll-ups of the figures"

_GRAIN = "grain varchar(1) NOT NULL CHECK (grain = 'd' OR (grain = 'm' AND extract(day FROM day) = 1))"


def _table(name: str, value: str | None, counts: tuple[str, ...]) -> str:
    extra = f"{value} smallint NOT NULL, " if value else ""
    columns = ", ".join(f"{c} bigint NOT NULL DEFAULT 0 CHECK ({c} >= 0)" for c in counts)
    key = ", ".join(["region", "grain", "day", *([value] if value else [])])
    return (
        f"CREATE TABLE {name} ({_GRAIN}, day date NOT NULL, region varchar(4) NOT NULL, {extra}{columns}, "
        f"CONSTRAINT {name}_key PRIMARY KEY ({key}));"
    )


def _fill(name: str, source: str, value: str | None, counts: tuple[str, ...]) -> str:
    keys = ", ".join(["grain", "day", "region", *([value] if value else [])])
    sums = ", ".join(f"sum({c})" for c in counts)
    return f"INSERT INTO {name} ({keys}, {', '.join(counts)}) SELECT {keys}, {sums} FROM {source} GROUP BY {keys};"


# feedback's SKM elements (api/feedback/skm.py ELEMENTS), as they were when this was written.
_SKM = ("requirements", "procedure", "time", "cost", "product", "competence", "behaviour", "complaints", "facilities")
_APPLICATION = ("received", "decided", "decided_in_sla", "completed", "rejected", "withdrawn", "corrections")
_QUEUE = ("issued", "served", "no_shows", "counter_served", "estimate_accurate", "walk_ins")
_COMPLAINT = ("received", "answered", "answered_on_time")
_ROLLUPS = (
    ("stats_region_application", "stats_application_fact", None, _APPLICATION),
    ("stats_region_decision_days", "stats_decision_days", "working_days", ("n",)),
    ("stats_region_queue", "stats_queue_fact", None, _QUEUE),
    ("stats_region_wait_minutes", "stats_wait_minutes", "minutes", ("n",)),
    ("stats_region_complaint", "stats_complaint_fact", None, _COMPLAINT),
)

SQL = "\n".join(
    [
        *(_table(name, value, counts) for name, _, value, counts in _ROLLUPS),
        *(_fill(name, source, value, counts) for name, source, value, counts in _ROLLUPS),
        _table("stats_region_skm", None, ("respondents", *(f"sum_{e}" for e in _SKM))),
        """CREATE TABLE stats_skm_rollup (
               one boolean PRIMARY KEY DEFAULT true CHECK (one),
               through date,
               moved_at timestamptz NOT NULL DEFAULT now());
           INSERT INTO stats_skm_rollup DEFAULT VALUES;""",
    ]
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="stats", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
