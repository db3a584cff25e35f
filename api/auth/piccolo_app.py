from pathlib import Path

from piccolo.conf.apps import AppConfig

import migrations
from api.auth.tables import (
    EnrolmentCode,
    Kiosk,
    OneTimeCode,
    Passkey,
    RateLimit,
    RefreshToken,
    Session,
    WebAuthnChallenge,
)

APP_CONFIG = AppConfig(
    app_name="auth",
    migrations_folder_path=str(Path(migrations.__file__).parent / "auth"),
    table_classes=[OneTimeCode, RateLimit, Session, RefreshToken, Passkey, WebAuthnChallenge, Kiosk, EnrolmentCode],
    migration_dependencies=["api.accounts.piccolo_app", "api.catalogue.piccolo_app"],
    commands=[],
)
