from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.notifications.tables import Delivery, Notification, PushSubscription

APP_CONFIG = AppConfig(
    app_name="notifications",
    migrations_folder_path=str(Path(migrations.__file__).parent / "notifications"),
    table_classes=[PushSubscription, Notification, Delivery],
    migration_dependencies=["api.accounts.piccolo_app", "api.outbox.piccolo_app"],
    commands=[],
)
