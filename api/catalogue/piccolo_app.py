from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.catalogue.tables import (
    Agency,
    CatalogueVersion,
    Counter,
    DocumentType,
    Mpp,
    Region,
    Service,
    ServiceRequirement,
)

APP_CONFIG = AppConfig(
    app_name="catalogue",
    migrations_folder_path=str(Path(migrations.__file__).parent / "catalogue"),
    table_classes=[Region, Mpp, Agency, Counter, DocumentType, Service, ServiceRequirement, CatalogueVersion],
    migration_dependencies=[],
    commands=[],
)
