"""Hand-written: one live copy of the same content per owner; known states; append-only history."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T11:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "wallet constraints and append-only history"

SQL = """
CREATE UNIQUE INDEX wallet_document_owner_content_key ON wallet_document (owner, content_hash)
    WHERE deleted_at IS NULL;
ALTER TABLE wallet_document
    ADD CONSTRAINT wallet_document_status_check CHECK (status IN ('uploaded', 'verified', 'rejected', 'issued')),
    ADD CONSTRAINT wallet_document_format_check CHECK (format IN ('pdf', 'jpeg', 'png', 'webp'));
ALTER TABLE wallet_attestation
    ADD CONSTRAINT wallet_attestation_kind_check CHECK (kind IN ('verified', 'issued'));
CREATE INDEX wallet_document_valid_until_idx ON wallet_document (valid_until) WHERE deleted_at IS NULL;

CREATE FUNCTION wallet_document_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'wallet_document_event is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER wallet_document_event_append_only_trg BEFORE UPDATE OR DELETE OR TRUNCATE
    ON wallet_document_event FOR EACH STATEMENT EXECUTE FUNCTION wallet_document_event_append_only();
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="wallet", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
