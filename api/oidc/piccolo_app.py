from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.oidc.tables import Assertion, Client, Code, Consent, Request, Token

APP_CONFIG = AppConfig(
    app_name="oidc",
    migrations_folder_path=str(Path(migrations.__file__).parent / "oidc"),
    table_classes=[Client, Consent, Request, Code, Token, Assertion],
    migration_dependencies=["api.catalogue.piccolo_app", "api.accounts.piccolo_app"],
    commands=[],
)
