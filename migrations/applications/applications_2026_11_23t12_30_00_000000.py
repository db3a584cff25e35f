"""Hand-written: the indexes the inbox and lists need, the state machine's states, an append-only timeline."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T12:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "applications indexes, constraints, numbering and append-only timeline"

SQL = """
ALTER TABLE applications_application
    ADD CONSTRAINT applications_application_status_check CHECK (status IN
        ('draft', 'submitted', 'in_review', 'needs_correction', 'approved', 'completed', 'rejected', 'withdrawn'));
-- The officer's inbox: one agency in one region, open cases, soonest deadline first.
CREATE INDEX applications_inbox_idx ON applications_application (agency, status, due_date, id)
    WHERE status IN ('submitted', 'in_review', 'needs_correction', 'approved');
-- A citizen's list, newest first.
CREATE INDEX applications_applicant_idx ON applications_application (applicant, created_at DESC);
-- Supervisor's workload per officer.
CREATE INDEX applications_assigned_open_idx ON applications_application (assigned_to, due_date)
    WHERE status IN ('submitted', 'in_review', 'needs_correction', 'approved');
-- Idempotent submission: one application per applicant and key.
CREATE UNIQUE INDEX applications_idempotency_key ON applications_application (applicant, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX applications_event_application_idx ON applications_event (application, id);
CREATE SEQUENCE applications_number_seq;

CREATE FUNCTION applications_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'applications_event is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER applications_event_append_only_trg BEFORE UPDATE OR DELETE OR TRUNCATE
    ON applications_event FOR EACH STATEMENT EXECUTE FUNCTION applications_event_append_only();
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="applications", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
