"""Piccolo's configuration module (PICCOLO_CONF=api.piccolo_conf).

The engine is created without a usable address: ``api.lib.db.configure()`` sets the real DSN (the external
server's, or the embedded server's once it has started) before any query runs. For the ``piccolo`` CLI used
by developers to generate migrations, DATABASE_URL is read here.
"""

import os

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

DB = PostgresEngine(config={"dsn": os.environ.get("DATABASE_URL", "postgresql:///mpp_unconfigured")}, extensions=())

APP_REGISTRY = AppRegistry(apps=["api.catalogue.piccolo_app", "api.accounts.piccolo_app"])
