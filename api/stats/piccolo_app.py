from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.stats.tables import ApplicationFact, ComplaintFact, DecisionDays, OfficerFact, QueueFact, WaitMinutes

APP_CONFIG = AppConfig(
    app_name="stats",
    migrations_folder_path=str(Path(migrations.__file__).parent / "stats"),
    table_classes=[ApplicationFact, DecisionDays, QueueFact, WaitMinutes, ComplaintFact, OfficerFact],
    migration_dependencies=[
        "api.applications.piccolo_app",
        "api.queue.piccolo_app",
        "api.feedback.piccolo_app",
    ],
    commands=[],
)
