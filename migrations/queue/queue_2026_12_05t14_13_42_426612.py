from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete
from piccolo.columns.base import OnUpdate
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import UUID
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Mpp(Table, tablename="catalogue_mpp", schema=None):
    id = UUID(
        default=UUID4(),
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name=None,
        secret=False,
    )


ID = "2026-12-05T14:13:42:426612"
VERSION = "1.38.0"
DESCRIPTION = "the building each ticket was issued in"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="queue", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Ticket",
        tablename="queue_ticket",
        column_name="mpp",
        db_column_name="mpp",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": Mpp,
            "on_delete": OnDelete.restrict,
            "on_update": OnUpdate.cascade,
            "target_column": None,
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
