"""Hand-written: an index for "has this officer read this in the last hour?" (api.audit.service.record_read).

A citizen's access log keeps one line per officer per application or document per hour; the check runs on every
officer read, so it must not scan all of that officer's events. Only reads are indexed, by whom, whose and when.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-05T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit_event: index of staff reads for the hourly access-log check"

SQL = """
CREATE INDEX audit_event_reads_idx ON audit_event (actor, subject, at DESC)
    WHERE action IN ('application.read', 'document.read', 'document.content');
"""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.current_transaction.get().connection.execute(SQL)

    manager.add_raw(run)
    return manager
