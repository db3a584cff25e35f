"""Backfill ``named_niks`` for applications submitted before the column existed.

A migration of its own because piccolo runs a migration's raw steps before its column changes. The NIKs are
derived from each application's answers and its service form's NIK fields, so the 30-day window of the
anti-broker signal is complete from the first day.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-23T14:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "backfill named_niks"

BACKFILL = """UPDATE applications_application a SET named_niks = sub.niks
   FROM (SELECT a2.id, array_agg(DISTINCT a2.answers ->> (f ->> 'name')) AS niks
         FROM applications_application a2
         JOIN catalogue_service s ON s.id = a2.service
         CROSS JOIN LATERAL jsonb_array_elements(s.form) AS f
         WHERE f ->> 'type' = 'nik' AND coalesce(a2.answers ->> (f ->> 'name'), '') <> ''
         GROUP BY a2.id) AS sub
   WHERE a.id = sub.id"""


async def backfill() -> None:
    from piccolo.engine import engine_finder

    engine = engine_finder()
    assert engine is not None
    # The migration's own transaction, as the other raw steps use.
    await engine.current_transaction.get().connection.execute(BACKFILL)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="applications", description=DESCRIPTION)
    manager.add_raw(backfill)
    return manager
