from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.registry.tables import Check

APP_CONFIG = AppConfig(
    app_name="registry",
    migrations_folder_path=str(Path(migrations.__file__).parent / "registry"),
    table_classes=[Check],
    migration_dependencies=["api.accounts.piccolo_app"],
    commands=[],
)
