"""Hand-written: the provider's rules the database keeps — one live consent per citizen and client, the values of
status and kind, and the indexes the token endpoint, userinfo and the logout fan-out read by."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T21:36:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "oidc constraints and indexes"

SQL = """
CREATE UNIQUE INDEX oidc_consent_live_idx ON oidc_consent (account, client) WHERE revoked_at IS NULL;
ALTER TABLE oidc_client ADD CONSTRAINT oidc_client_status_chk CHECK (status IN ('active', 'suspended'));
ALTER TABLE oidc_request ADD CONSTRAINT oidc_request_kind_chk CHECK (kind IN ('authorize', 'logout'));
CREATE INDEX oidc_token_live_session_idx ON oidc_token (session, client) WHERE revoked_at IS NULL;
CREATE INDEX oidc_token_live_account_idx ON oidc_token (account, client) WHERE revoked_at IS NULL;
CREATE INDEX oidc_request_expiry_idx ON oidc_request (expires_at);
CREATE INDEX oidc_code_expiry_idx ON oidc_code (expires_at);
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="oidc", description=DESCRIPTION)

    async def run() -> None:
        # The migration's own transaction: all of this commits with it.
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
