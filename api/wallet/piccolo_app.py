from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.wallet.tables import Attestation, Consent, Document, DocumentEvent, ShareLink

APP_CONFIG = AppConfig(
    app_name="wallet",
    migrations_folder_path=str(Path(migrations.__file__).parent / "wallet"),
    table_classes=[Document, Attestation, Consent, ShareLink, DocumentEvent],
    migration_dependencies=["api.accounts.piccolo_app", "api.catalogue.piccolo_app"],
    commands=[],
)
