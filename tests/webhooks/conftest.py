"""The webhook tests' receivers listen on plain http on 127.0.0.1: allowed by MPP_WEBHOOK_TEST_HOSTS, which must be
set before the session's settings are read (tests/conftest.py), hence here, at collection."""

import os

os.environ.setdefault("MPP_WEBHOOK_TEST_HOSTS", "127.0.0.1")
