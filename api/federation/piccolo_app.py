from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.federation.tables import Attempt, Handoff, Link

APP_CONFIG = AppConfig(
    app_name="federation",
    migrations_folder_path=str(Path(migrations.__file__).parent / "federation"),
    table_classes=[Attempt, Link, Handoff],
    migration_dependencies=["api.accounts.piccolo_app"],
    commands=[],
)
