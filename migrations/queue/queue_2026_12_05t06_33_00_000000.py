"""Hand-written: why a booking was cancelled. ``cancel_reason`` is ``citizen`` (cancelled or moved by its holder) or
``closure`` (the building was closed on its day after it was booked, api.queue.jobs); for a closure,
``cancel_note_id``/``cancel_note_en`` keep the closure's reason as it was when the booking was cancelled (the closure
may be removed later; the booking stays cancelled)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-05T06:33:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "queue booking cancel reason"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="queue", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Booking",
        tablename="queue_booking",
        column_name="cancel_reason",
        db_column_name="cancel_reason",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 12,
            "default": None,
            "null": True,
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

    for column in ("cancel_note_id", "cancel_note_en"):
        manager.add_column(
            table_class_name="Booking",
            tablename="queue_booking",
            column_name=column,
            db_column_name=column,
            column_class_name="Text",
            column_class=Text,
            params={
                "default": None,
                "null": True,
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
