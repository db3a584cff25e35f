from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.outbox.tables import OutboxMessage

APP_CONFIG = AppConfig(
    app_name="outbox",
    migrations_folder_path=str(Path(migrations.__file__).parent / "outbox"),
    table_classes=[OutboxMessage],
    migration_dependencies=[],
    commands=[],
)
