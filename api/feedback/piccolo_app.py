from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.feedback.tables import (
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintSequence,
    Invitation,
    Reply,
    SkmDaily,
    Survey,
)

APP_CONFIG = AppConfig(
    app_name="feedback",
    migrations_folder_path=str(Path(migrations.__file__).parent / "feedback"),
    table_classes=[
        Invitation,
        Survey,
        SkmDaily,
        Reply,
        ComplaintCategory,
        ComplaintSequence,
        Complaint,
        ComplaintEvent,
    ],
    migration_dependencies=["api.catalogue.piccolo_app", "api.accounts.piccolo_app"],
    commands=[],
)
