from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.catalogue.tables import (
    Agency,
    CatalogueVersion,
    Counter,
    CounterService,
    DocumentType,
    Mpp,
    MppClosure,
    Region,
    Service,
    ServiceDraft,
    ServiceRequirement,
    ServiceVersion,
)

APP_CONFIG = AppConfig(
    app_name="catalogue",
    migrations_folder_path=str(Path(migrations.__file__).parent / "catalogue"),
    table_classes=[
        Region,
        Mpp,
        MppClosure,
        Agency,
        Counter,
        DocumentType,
        Service,
        ServiceRequirement,
        CounterService,
        ServiceVersion,
        ServiceDraft,
        CatalogueVersion,
    ],
    migration_dependencies=[],
    commands=[],
)
