from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-11-23T18:45:56:749928"
VERSION = "1.38.0"
DESCRIPTION = "no separate applicant index (applications_applicant_idx covers it)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="applications", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Application",
        tablename="applications_application",
        column_name="applicant",
        db_column_name="applicant",
        params={"index": False},
        old_params={"index": True},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
