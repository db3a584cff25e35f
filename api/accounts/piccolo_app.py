from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.accounts.tables import Account, Erasure, FamilyMember, IdentityProof, Mandate, NikClaim

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(Path(migrations.__file__).parent / "accounts"),
    table_classes=[Account, FamilyMember, Mandate, NikClaim, Erasure, IdentityProof],
    migration_dependencies=["api.catalogue.piccolo_app"],
    commands=[],
)
