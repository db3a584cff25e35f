"""Hand-written: what Piccolo cannot express for the queue's tables.

- statuses, kinds and counts are checked by the database (a bug cannot store a ticket "calld" or a negative seat);
- one active booking per NIK, service and day (a partial unique index: the rule holds under any concurrency);
  one Idempotency-Key use per account; check-in codes unique;
- one ticket per booking, one per kiosk retry (kiosk, Idempotency-Key), one number per agency and day (per
  building and day since the next migration: a transferred ticket keeps its number);
- one open session per counter and per officer;
- the waiting line's index in the order the call takes (priority, due time, sequence);
- calls, ticket events and shown estimates are append-only: UPDATE, DELETE and TRUNCATE are refused.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T18:55:27:000000"
VERSION = "1.38.0"
DESCRIPTION = "queue constraints, partial unique indexes, append-only history"

SQL = """
ALTER TABLE queue_service_setting
    ADD CONSTRAINT queue_service_setting_handling_check CHECK (handling_minutes BETWEEN 1 AND 480),
    ADD CONSTRAINT queue_service_setting_slot_check CHECK (slot_minutes BETWEEN 5 AND 240),
    ADD CONSTRAINT queue_service_setting_quota_check CHECK (
        (online_quota IS NULL OR online_quota BETWEEN 0 AND 100000)
        AND (walk_in_quota IS NULL OR walk_in_quota BETWEEN 0 AND 100000));

ALTER TABLE queue_agency_letter
    ADD CONSTRAINT queue_agency_letter_key UNIQUE (region, letter),
    ADD CONSTRAINT queue_agency_letter_check CHECK (letter ~ '^[A-Z]{1,2}$');

ALTER TABLE queue_day_sequence
    ADD CONSTRAINT queue_day_sequence_key UNIQUE (agency, day),
    ADD CONSTRAINT queue_day_sequence_check CHECK (seq >= 0);

ALTER TABLE queue_slot
    ADD CONSTRAINT queue_slot_key UNIQUE (service, starts_at),
    ADD CONSTRAINT queue_slot_taken_check CHECK (taken >= 0 AND capacity >= 0),
    ADD CONSTRAINT queue_slot_time_check CHECK (ends_at > starts_at);
CREATE INDEX queue_slot_service_day_idx ON queue_slot (service, day);

ALTER TABLE queue_booking
    ADD CONSTRAINT queue_booking_status_check
        CHECK (status IN ('booked', 'checked_in', 'cancelled', 'no_show')),
    ADD CONSTRAINT queue_booking_nik_check CHECK (nik ~ '^[0-9]{16}$'),
    ADD CONSTRAINT queue_booking_idempotency_key UNIQUE (account, idempotency_key),
    ADD CONSTRAINT queue_booking_checkin_code_key UNIQUE (checkin_code);
CREATE UNIQUE INDEX queue_booking_active_key ON queue_booking (nik, service, day)
    WHERE status IN ('booked', 'checked_in');
CREATE INDEX queue_booking_nik_idx ON queue_booking (nik, starts_at) WHERE status IN ('booked', 'no_show');
CREATE INDEX queue_booking_day_idx ON queue_booking (day) WHERE status = 'booked';

CREATE INDEX queue_seat_hold_slot_idx ON queue_seat_hold (slot) WHERE released_at IS NULL;

ALTER TABLE queue_ticket
    ADD CONSTRAINT queue_ticket_number_key UNIQUE (agency, day, seq),
    ADD CONSTRAINT queue_ticket_status_check
        CHECK (status IN ('waiting', 'called', 'serving', 'done', 'no_show')),
    ADD CONSTRAINT queue_ticket_kind_check CHECK (kind IN ('booked', 'walk_in')),
    ADD CONSTRAINT queue_ticket_priority_check CHECK (priority BETWEEN 0 AND 2),
    ADD CONSTRAINT queue_ticket_calls_check CHECK (calls >= 0),
    ADD CONSTRAINT queue_ticket_called_check CHECK (status = 'waiting' OR counter IS NOT NULL),
    ADD CONSTRAINT queue_ticket_estimate_check CHECK (0 <= estimate_low AND estimate_low <= estimate_high);
CREATE UNIQUE INDEX queue_ticket_booking_key ON queue_ticket (booking) WHERE booking IS NOT NULL;
CREATE UNIQUE INDEX queue_ticket_retry_key ON queue_ticket (kiosk, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX queue_ticket_line_idx ON queue_ticket (agency, day, priority, due_at, seq) WHERE status = 'waiting';
CREATE INDEX queue_ticket_at_counter_idx ON queue_ticket (counter) WHERE status IN ('called', 'serving');
CREATE INDEX queue_ticket_done_idx ON queue_ticket (agency, day, done_at) WHERE done_at IS NOT NULL;
CREATE INDEX queue_ticket_region_day_idx ON queue_ticket (region, day);

CREATE UNIQUE INDEX queue_counter_session_counter_key ON queue_counter_session (counter) WHERE closed_at IS NULL;
CREATE UNIQUE INDEX queue_counter_session_officer_key ON queue_counter_session (officer) WHERE closed_at IS NULL;

ALTER TABLE queue_call ADD CONSTRAINT queue_call_kind_check CHECK (kind IN ('call', 'recall'));
CREATE INDEX queue_call_region_idx ON queue_call (region, at DESC);
ALTER TABLE queue_ticket_event ADD CONSTRAINT queue_ticket_event_action_check CHECK (action IN (
    'issued', 'checked_in', 'serving', 'done', 'no_show', 'transferred', 'requeued'));
ALTER TABLE queue_estimate_shown
    ADD CONSTRAINT queue_estimate_shown_via_check CHECK (via IN ('issue', 'follow')),
    ADD CONSTRAINT queue_estimate_shown_check CHECK (0 <= low AND low <= high AND waiting_ahead >= 0);

CREATE FUNCTION queue_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER queue_call_append_only_trg BEFORE UPDATE OR DELETE OR TRUNCATE ON queue_call
    FOR EACH STATEMENT EXECUTE FUNCTION queue_append_only();
CREATE TRIGGER queue_ticket_event_append_only_trg BEFORE UPDATE OR DELETE OR TRUNCATE ON queue_ticket_event
    FOR EACH STATEMENT EXECUTE FUNCTION queue_append_only();
CREATE TRIGGER queue_estimate_shown_append_only_trg BEFORE UPDATE OR DELETE OR TRUNCATE ON queue_estimate_shown
    FOR EACH STATEMENT EXECUTE FUNCTION queue_append_only();
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="queue", description=DESCRIPTION)

    async def run() -> None:
        # The migration's own transaction: all of this commits with it.
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
