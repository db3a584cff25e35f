"""Piccolo's configuration module (PICCOLO_CONF=api.piccolo_conf).

Piccolo's engine checks the server version as soon as it is created, so this module must not be imported
before the database is known: ``api.lib.db.configure()`` puts the DSN (the external server's, or the
embedded server's once it has started) in MPP_DATABASE_DSN first. For the ``piccolo`` CLI used by developers
to generate migrations, DATABASE_URL is read.
"""

import os

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

DSN = os.environ.get("MPP_DATABASE_DSN") or os.environ.get("DATABASE_URL") or "postgresql:///mpp_unconfigured"
DB = PostgresEngine(config={"dsn": DSN}, extensions=())

APP_REGISTRY = AppRegistry(
    apps=[
        "api.catalogue.piccolo_app",
        "api.accounts.piccolo_app",
        "api.auth.piccolo_app",
        "api.audit.piccolo_app",
        "api.wallet.piccolo_app",
        "api.outbox.piccolo_app",
        "api.applications.piccolo_app",
        "api.notifications.piccolo_app",
        "api.kiosk.piccolo_app",
        "api.registry.piccolo_app",
        "api.calendar.piccolo_app",
        "api.queue.piccolo_app",
        "api.feedback.piccolo_app",
        "api.stats.piccolo_app",
        "api.federation.piccolo_app",
        "api.oidc.piccolo_app",
        "api.webhooks.piccolo_app",
        "api.oss.piccolo_app",
    ]
)
