from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.calendar.tables import CalendarDay, CalendarVersion, CalendarYear

APP_CONFIG = AppConfig(
    app_name="calendar",
    migrations_folder_path=str(Path(migrations.__file__).parent / "calendar"),
    table_classes=[CalendarYear, CalendarDay, CalendarVersion],
    migration_dependencies=["api.catalogue.piccolo_app"],
    commands=[],
)
