from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.kiosk.tables import StatusCode

APP_CONFIG = AppConfig(
    app_name="kiosk",
    migrations_folder_path=str(Path(migrations.__file__).parent / "kiosk"),
    table_classes=[StatusCode],
    migration_dependencies=["api.auth.piccolo_app", "api.applications.piccolo_app"],
    commands=[],
)
