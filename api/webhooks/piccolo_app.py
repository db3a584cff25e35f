from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.webhooks.tables import Delivery, Endpoint

APP_CONFIG = AppConfig(
    app_name="webhooks",
    migrations_folder_path=str(Path(migrations.__file__).parent / "webhooks"),
    table_classes=[Endpoint, Delivery],
    migration_dependencies=["api.catalogue.piccolo_app"],
    commands=[],
)
