"""Hand-written (not --auto, see the admin-mode brief): a revision on kiosks, for admins' If-Match.

Written as Piccolo's own ``add_column`` so that the migration state agrees with ``api/auth/tables.py``
(``tests/test_migrations.py`` checks that auto-migration finds nothing left to do).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T10:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "kiosk revision (ETag / If-Match of admin edits)"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="auth", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Kiosk",
        tablename="auth_kiosk",
        column_name="revision",
        db_column_name="revision",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 1,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
