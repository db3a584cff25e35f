"""The database addresses' settings: what cannot run is refused at start, with the variable to set."""

from __future__ import annotations

import pytest

from api.config import DatabaseSettings, SettingsError, _load
from api.lib.db import SESSION_SETTINGS, pool_options

PRIMARY = "postgresql://mpp@db:5432/mpp"
POOLER = "postgresql://mpp@pgbouncer:6432/mpp"


def settings(**values: str) -> DatabaseSettings:
    return DatabaseSettings(
        url=values.pop("url", POOLER), pool_min=1, pool_max=10, seed_demo_on_first_start=False, **values
    )


@pytest.mark.parametrize("direct", ["", POOLER])
def test_pgbouncer_without_a_direct_address_of_its_own_is_refused(direct: str) -> None:
    with pytest.raises(SettingsError, match="DATABASE_DIRECT_URL"):
        settings(pooler="pgbouncer", direct_url=direct)


def test_a_replica_or_a_direct_address_needs_a_database_url() -> None:
    with pytest.raises(SettingsError, match="require DATABASE_URL"):
        settings(url="", replica_url=PRIMARY)


def test_the_pool_behind_pgbouncer_prepares_no_named_statement_and_sends_only_application_name() -> None:
    pooled = pool_options(settings(pooler="pgbouncer", direct_url=PRIMARY))
    assert pooled["statement_cache_size"] == 0
    assert pooled["server_settings"] == {"application_name": "mpp-digital"}
    direct = pool_options(settings(url=PRIMARY))
    assert "statement_cache_size" not in direct
    assert direct["server_settings"] == {**SESSION_SETTINGS, "application_name": "mpp-digital"}


def test_the_environment_names_the_pooler_and_its_direct_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPP_ENV", "test")
    monkeypatch.setenv("DATABASE_URL", POOLER)
    monkeypatch.setenv("MPP_DB_POOLER", "pgbouncer")
    monkeypatch.delenv("DATABASE_DIRECT_URL", raising=False)
    with pytest.raises(SettingsError, match="DATABASE_DIRECT_URL"):
        _load()
    monkeypatch.setenv("DATABASE_DIRECT_URL", PRIMARY)
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgresql://mpp@replica:5432/mpp")
    db = _load().db
    assert (db.url, db.direct_url, db.replica_url, db.pooler) == (
        POOLER,
        PRIMARY,
        "postgresql://mpp@replica:5432/mpp",
        "pgbouncer",
    )
