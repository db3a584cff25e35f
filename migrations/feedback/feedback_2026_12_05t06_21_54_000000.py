"""Hand-written: what Piccolo cannot express for the feedback tables.

- kinds, channels, statuses and scores (1–4) are checked by the database;
- one invitation per transaction (kind, ref), one answer per invitation, one running-sum row per unit and day
  (NULLS NOT DISTINCT: tickets without a service share their agency's rows; eight shards per unit and day
  so that counters finishing tickets at once don't queue on one row), one number per region and year;
- answers, replies and complaint events are append-only: UPDATE, DELETE and TRUNCATE are refused;
- the complaint categories and their response days in working days, as published for SP4N-LAPOR!.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T06:21:54:000000"
VERSION = "1.38.0"
DESCRIPTION = "feedback constraints, append-only history, complaint categories"

SQL = """
ALTER TABLE feedback_invitation
    ADD CONSTRAINT feedback_invitation_kind_check CHECK (kind IN ('application', 'ticket')),
    ADD CONSTRAINT feedback_invitation_ref_key UNIQUE (kind, ref);
CREATE INDEX feedback_invitation_open_idx ON feedback_invitation (account, created_at DESC)
    WHERE answered_at IS NULL;

ALTER TABLE feedback_survey
    ADD CONSTRAINT feedback_survey_channel_check CHECK (channel IN ('app', 'kiosk')),
    ADD CONSTRAINT feedback_survey_scores_check CHECK (
        requirements BETWEEN 1 AND 4 AND procedure BETWEEN 1 AND 4 AND time BETWEEN 1 AND 4
        AND cost BETWEEN 1 AND 4 AND product BETWEEN 1 AND 4 AND competence BETWEEN 1 AND 4
        AND behaviour BETWEEN 1 AND 4 AND complaints BETWEEN 1 AND 4 AND facilities BETWEEN 1 AND 4);
CREATE INDEX feedback_survey_unit_idx ON feedback_survey (region, agency, day);
CREATE INDEX feedback_survey_service_idx ON feedback_survey (service, day);
CREATE INDEX feedback_survey_comment_idx ON feedback_survey (agency, answered_at DESC) WHERE comment IS NOT NULL;

ALTER TABLE feedback_skm_daily
    ADD CONSTRAINT feedback_skm_daily_key UNIQUE NULLS NOT DISTINCT (region, agency, service, day, shard),
    ADD CONSTRAINT feedback_skm_daily_count_check CHECK (transactions >= 0 AND respondents >= 0),
    ADD CONSTRAINT feedback_skm_daily_shard_check CHECK (shard BETWEEN 0 AND 7);
CREATE INDEX feedback_skm_daily_region_idx ON feedback_skm_daily (region, day);
CREATE INDEX feedback_skm_daily_agency_idx ON feedback_skm_daily (agency, day);
CREATE INDEX feedback_skm_daily_service_idx ON feedback_skm_daily (service, day);

ALTER TABLE feedback_reply ADD CONSTRAINT feedback_reply_text_check CHECK (withdrawn OR btrim(text) <> '');

ALTER TABLE feedback_complaint_category
    ADD CONSTRAINT feedback_complaint_category_days_check CHECK (response_days BETWEEN 1 AND 365);
INSERT INTO feedback_complaint_category (code, name_id, name_en, response_days, position) VALUES
    ('urgent', 'Mendesak (menyangkut keselamatan atau hak yang segera hilang)',
     'Urgent (safety, or a right about to be lost)', 2, 1),
    ('simple', 'Sederhana (cukup dijawab unit layanan)', 'Simple (the service unit can answer)', 5, 2),
    ('substantive', 'Substansial (perlu penelusuran)', 'Substantive (needs looking into)', 14, 3),
    ('complex', 'Kompleks (perlu pemeriksaan lapangan atau lintas instansi)',
     'Complex (needs a field check or several agencies)', 60, 4);

ALTER TABLE feedback_complaint_sequence
    ADD CONSTRAINT feedback_complaint_sequence_key UNIQUE (region, year),
    ADD CONSTRAINT feedback_complaint_sequence_check CHECK (seq >= 0);

ALTER TABLE feedback_complaint
    ADD CONSTRAINT feedback_complaint_status_check
        CHECK (status IN ('submitted', 'escalated', 'answered', 'closed')),
    ADD CONSTRAINT feedback_complaint_close_check CHECK (
        (status = 'closed') = (closed_at IS NOT NULL)
        AND (close_reason IS NULL OR close_reason IN ('confirmed', 'timeout', 'withdrawn'))),
    ADD CONSTRAINT feedback_complaint_answer_check CHECK (status <> 'answered' OR answer IS NOT NULL),
    ADD CONSTRAINT feedback_complaint_text_check CHECK (btrim(text) <> ''),
    ADD CONSTRAINT feedback_complaint_idempotency_key UNIQUE (account, idempotency_key);
CREATE INDEX feedback_complaint_agency_idx ON feedback_complaint (agency, region, status, due_date);
CREATE INDEX feedback_complaint_region_idx ON feedback_complaint (region, status, due_date);
CREATE INDEX feedback_complaint_overdue_idx ON feedback_complaint (due_date) WHERE status = 'submitted';
CREATE INDEX feedback_complaint_confirm_idx ON feedback_complaint (confirm_by) WHERE status = 'answered';

ALTER TABLE feedback_complaint_event
    ADD CONSTRAINT feedback_complaint_event_role_check
        CHECK (actor_role IN ('citizen', 'officer', 'supervisor', 'admin', 'system', 'lapor')),
    ADD CONSTRAINT feedback_complaint_event_action_check CHECK (action IN (
        'filed', 'answered', 'escalated', 'disputed', 'confirmed', 'closed', 'withdrawn', 'forwarded',
        'lapor_status', 'reassigned'));

CREATE FUNCTION feedback_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER feedback_survey_append_only_trg BEFORE UPDATE OR DELETE OR TRUNCATE ON feedback_survey
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_append_only();
CREATE TRIGGER feedback_reply_append_only_trg BEFORE UPDATE OR DELETE OR TRUNCATE ON feedback_reply
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_append_only();
CREATE TRIGGER feedback_complaint_event_append_only_trg
    BEFORE UPDATE OR DELETE OR TRUNCATE ON feedback_complaint_event
    FOR EACH STATEMENT EXECUTE FUNCTION feedback_append_only();
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def run() -> None:
        # The migration's own transaction: all of this commits with it.
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
