"""Hand-written: what Piccolo cannot express for the figures' tables.

- the natural key of every fact row (the consumer's ``ON CONFLICT`` target; NULLS NOT DISTINCT where a ticket's
  service may be missing, so a ticket without a service has one row per agency, not one per event), with the unit
  that scopes read first (a service's or an agency's figures are an index range);
- the grains (``d`` day, ``m`` month whose ``day`` is the first of the month) and non-negative counts;
- the consumer's cursor per source: ``position`` is a transaction id (``xid8``: every event with a smaller ``xid``
  has been counted), ``after_id``: of the transaction ``position`` itself, the events up to this id have been
  counted (one transaction with more events than a step counts — the rows an upgrade gave one id — is counted in
  pages of event ids), ``moved_at`` when the consumer last moved it (the figures' "as of").
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T09:11:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "figures: keys, checks, the consumer's cursor"

SQL = """
CREATE TABLE stats_cursor (
    source varchar(20) PRIMARY KEY,
    position xid8 NOT NULL DEFAULT '0',
    after_id bigint NOT NULL DEFAULT 0,
    moved_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO stats_cursor (source) VALUES ('applications'), ('queue'), ('complaints');

ALTER TABLE stats_application_fact
    ADD CONSTRAINT stats_application_fact_key UNIQUE (service, grain, day),
    ADD CONSTRAINT stats_application_fact_grain_check
        CHECK (grain = 'd' OR (grain = 'm' AND extract(day FROM day) = 1)),
    ADD CONSTRAINT stats_application_fact_count_check CHECK (
        received >= 0 AND decided >= 0 AND decided_in_sla >= 0 AND completed >= 0 AND rejected >= 0
        AND withdrawn >= 0 AND corrections >= 0);
CREATE INDEX stats_application_fact_agency_idx ON stats_application_fact (agency, grain, day);
CREATE INDEX stats_application_fact_region_idx ON stats_application_fact (region, grain, day);
CREATE INDEX stats_application_fact_day_idx ON stats_application_fact (grain, day);

ALTER TABLE stats_decision_days
    ADD CONSTRAINT stats_decision_days_key UNIQUE (service, grain, day, working_days),
    ADD CONSTRAINT stats_decision_days_grain_check
        CHECK (grain = 'd' OR (grain = 'm' AND extract(day FROM day) = 1)),
    ADD CONSTRAINT stats_decision_days_count_check CHECK (working_days >= 0 AND n >= 0);
CREATE INDEX stats_decision_days_agency_idx ON stats_decision_days (agency, grain, day);
CREATE INDEX stats_decision_days_region_idx ON stats_decision_days (region, grain, day);
CREATE INDEX stats_decision_days_day_idx ON stats_decision_days (grain, day);

ALTER TABLE stats_queue_fact
    ADD CONSTRAINT stats_queue_fact_key UNIQUE NULLS NOT DISTINCT (agency, service, grain, day, mpp),
    ADD CONSTRAINT stats_queue_fact_grain_check
        CHECK (grain = 'd' OR (grain = 'm' AND extract(day FROM day) = 1)),
    ADD CONSTRAINT stats_queue_fact_count_check CHECK (
        issued >= 0 AND served >= 0 AND no_shows >= 0 AND counter_served >= 0 AND estimate_accurate >= 0
        AND walk_ins >= 0);
CREATE INDEX stats_queue_fact_service_idx ON stats_queue_fact (service, grain, day);
CREATE INDEX stats_queue_fact_mpp_idx ON stats_queue_fact (mpp, grain, day);
CREATE INDEX stats_queue_fact_region_idx ON stats_queue_fact (region, grain, day);
CREATE INDEX stats_queue_fact_day_idx ON stats_queue_fact (grain, day);

ALTER TABLE stats_wait_minutes
    ADD CONSTRAINT stats_wait_minutes_key UNIQUE NULLS NOT DISTINCT (agency, service, grain, day, mpp, minutes),
    ADD CONSTRAINT stats_wait_minutes_grain_check
        CHECK (grain = 'd' OR (grain = 'm' AND extract(day FROM day) = 1)),
    ADD CONSTRAINT stats_wait_minutes_count_check CHECK (minutes >= 0 AND n >= 0);
CREATE INDEX stats_wait_minutes_service_idx ON stats_wait_minutes (service, grain, day);
CREATE INDEX stats_wait_minutes_mpp_idx ON stats_wait_minutes (mpp, grain, day);
CREATE INDEX stats_wait_minutes_region_idx ON stats_wait_minutes (region, grain, day);
CREATE INDEX stats_wait_minutes_day_idx ON stats_wait_minutes (grain, day);

ALTER TABLE stats_complaint_fact
    ADD CONSTRAINT stats_complaint_fact_key UNIQUE (agency, grain, day),
    ADD CONSTRAINT stats_complaint_fact_grain_check
        CHECK (grain = 'd' OR (grain = 'm' AND extract(day FROM day) = 1)),
    ADD CONSTRAINT stats_complaint_fact_count_check
        CHECK (received >= 0 AND answered >= 0 AND answered_on_time >= 0);
CREATE INDEX stats_complaint_fact_region_idx ON stats_complaint_fact (region, grain, day);
CREATE INDEX stats_complaint_fact_day_idx ON stats_complaint_fact (grain, day);

ALTER TABLE stats_officer_fact
    ADD CONSTRAINT stats_officer_fact_key UNIQUE (officer, agency, grain, day),
    ADD CONSTRAINT stats_officer_fact_grain_check
        CHECK (grain = 'd' OR (grain = 'm' AND extract(day FROM day) = 1)),
    ADD CONSTRAINT stats_officer_fact_count_check
        CHECK (decisions >= 0 AND corrections >= 0 AND tickets_served >= 0);
CREATE INDEX stats_officer_fact_agency_idx ON stats_officer_fact (agency, grain, day);
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="stats", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
