from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.applications.tables import Application, ApplicationDocument, ApplicationEvent, BrokerFlag

APP_CONFIG = AppConfig(
    app_name="applications",
    migrations_folder_path=str(Path(migrations.__file__).parent / "applications"),
    table_classes=[Application, ApplicationDocument, ApplicationEvent, BrokerFlag],
    migration_dependencies=[
        "api.accounts.piccolo_app",
        "api.catalogue.piccolo_app",
        "api.wallet.piccolo_app",
        "api.outbox.piccolo_app",
    ],
    commands=[],
)
