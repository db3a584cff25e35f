from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.audit.tables import AuditEvent

APP_CONFIG = AppConfig(
    app_name="audit",
    migrations_folder_path=str(Path(migrations.__file__).parent / "audit"),
    table_classes=[AuditEvent],
    migration_dependencies=[],
    commands=[],
)
