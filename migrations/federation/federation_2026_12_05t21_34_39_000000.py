"""Hand-written: what Piccolo cannot express for the national identity provider's sign-in.

- one link per person at a provider: (issuer, subject) is unique;
- the provider's proofs of a NIK in accounts_identity_proof (methods ``idp_reg`` and ``idp_person``, see
  api.accounts.assurance.IDP_METHODS): the method check of that table is widened here, where the methods come
  from (its evidence is the link, so they need none of the other methods' columns).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T21:34:39:000000"
VERSION = "1.38.0"
DESCRIPTION = "federation link uniqueness and the provider's identity proofs"

SQL = """
ALTER TABLE federation_link ADD CONSTRAINT federation_link_issuer_subject_key UNIQUE (issuer, subject);
ALTER TABLE accounts_identity_proof DROP CONSTRAINT accounts_identity_proof_method_check;
ALTER TABLE accounts_identity_proof
    ADD CONSTRAINT accounts_identity_proof_method_check CHECK (
        (method = 'registry' AND registry_check IS NOT NULL)
        OR (method = 'in_person' AND agency IS NOT NULL AND region IS NOT NULL)
        OR method IN ('idp_reg', 'idp_person'));
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="federation", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
