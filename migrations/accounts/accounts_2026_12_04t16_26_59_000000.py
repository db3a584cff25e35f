"""Hand-written: identity proofs and mandates from facts — what Piccolo cannot express.

- a mandate may wait for an officer (``review``) and be refused; what made it active is one of three proofs;
- identity proofs are append-only (a trigger refuses UPDATE and DELETE, as for the other histories), each
  method with the columns it needs (an in-person check names its officer, agency and region);
- the look-up of an account's proofs for its current NIK (assurance, on every ``GET /me`` and submission).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-04T16:26:59:000000"
VERSION = "1.38.0"
DESCRIPTION = "identity proofs and mandate review"

SQL = """
ALTER TABLE accounts_mandate DROP CONSTRAINT accounts_mandate_status_check;
ALTER TABLE accounts_mandate
    ADD CONSTRAINT accounts_mandate_status_check
        CHECK (status IN ('pending', 'review', 'active', 'refused', 'revoked', 'expired')),
    ADD CONSTRAINT accounts_mandate_proof_check CHECK (proof IS NULL OR proof IN ('registry_kk', 'officer', 'consent'));
ALTER TABLE accounts_identity_proof
    ADD CONSTRAINT accounts_identity_proof_method_check CHECK (
        (method = 'registry' AND registry_check IS NOT NULL)
        OR (method = 'in_person' AND agency IS NOT NULL AND region IS NOT NULL)),
    ADD CONSTRAINT accounts_identity_proof_nik_check CHECK (nik ~ '^[0-9]{16}$');
CREATE INDEX accounts_identity_proof_account_nik_idx ON accounts_identity_proof (account, nik, method);
CREATE FUNCTION accounts_identity_proof_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'accounts_identity_proof is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
-- The one change allowed is an erased officer's account leaving its proofs (ON DELETE SET NULL).
CREATE TRIGGER accounts_identity_proof_no_update_trg BEFORE UPDATE ON accounts_identity_proof
    FOR EACH ROW WHEN (OLD.officer IS NULL OR NEW.officer IS NOT NULL)
    EXECUTE FUNCTION accounts_identity_proof_append_only();
CREATE TRIGGER accounts_identity_proof_no_truncate_trg BEFORE TRUNCATE ON accounts_identity_proof
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_identity_proof_append_only();
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
