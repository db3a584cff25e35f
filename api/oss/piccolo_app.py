from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.oss.tables import Difference, Licence, LicenceEvent, Run

APP_CONFIG = AppConfig(
    app_name="oss",
    migrations_folder_path=str(Path(migrations.__file__).parent / "oss"),
    table_classes=[Licence, LicenceEvent, Difference, Run],
    migration_dependencies=["api.catalogue.piccolo_app"],
    commands=[],
)
