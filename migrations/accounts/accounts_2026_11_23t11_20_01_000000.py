"""Hand-written: the database refuses malformed identity numbers and unknown roles or states."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T11:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "accounts constraints"

SQL = """
ALTER TABLE accounts_account
    ADD CONSTRAINT accounts_account_nik_check CHECK (nik ~ '^[0-9]{16}$'),
    ADD CONSTRAINT accounts_account_kk_check CHECK (kk ~ '^[0-9]{16}$'),
    ADD CONSTRAINT accounts_account_phone_check CHECK (phone ~ '^\\+628[0-9]{8,11}$'),
    ADD CONSTRAINT accounts_account_language_check CHECK (language IN ('id', 'en')),
    ADD CONSTRAINT accounts_account_roles_check CHECK (
        roles <@ ARRAY['citizen', 'officer', 'supervisor', 'region_admin', 'national_admin']::varchar[]),
    ADD CONSTRAINT accounts_account_status_check CHECK (
        status IN ('active', 'deletion_requested', 'deleted', 'disabled'));
ALTER TABLE accounts_family_member
    ADD CONSTRAINT accounts_family_member_relation_check CHECK (
        relation IN ('child', 'parent', 'spouse', 'sibling', 'other'));
CREATE UNIQUE INDEX accounts_family_member_active_key ON accounts_family_member (account, member_nik)
    WHERE removed_at IS NULL;
ALTER TABLE accounts_mandate
    ADD CONSTRAINT accounts_mandate_status_check CHECK (status IN ('pending', 'active', 'revoked', 'expired')),
    ADD CONSTRAINT accounts_mandate_basis_check CHECK (basis IN ('parental', 'consent')),
    ADD CONSTRAINT accounts_mandate_period_check CHECK (valid_until > valid_from);
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
