"""The application statuses are defined once (api/applications/statuses.py); the database and the API document
must say the same. These fail when the migration's CHECK, the inbox's partial indexes, the OpenAPI enums or the
state machine drift from that definition."""

from __future__ import annotations

import re
from typing import Any, get_args

import asyncpg
import httpx

from api.applications import schemas
from api.applications.statuses import OPEN, STATUSES, TRANSITIONS, OfficerAction


def quoted(sql: str) -> set[str]:
    """The quoted words of a constraint's or an index's definition as PostgreSQL prints it."""
    return set(re.findall(r"'([a-z_]+)'", sql))


async def test_the_check_constraint_is_the_definition(db: asyncpg.Connection) -> None:
    rows = await db.fetch(
        """SELECT c.conrelid::regclass::text AS tbl, pg_get_constraintdef(c.oid) AS definition
           FROM pg_constraint c
           WHERE c.contype = 'c' AND c.conrelid::regclass::text LIKE 'applications\\_%'
             AND pg_get_constraintdef(c.oid) ~ '\\m(status|from_status|to_status)\\M'"""
    )
    by_table = {r["tbl"]: r["definition"] for r in rows}
    assert "applications_application" in by_table, by_table
    for table, definition in by_table.items():
        # The history table (applications_event) has no CHECK today; should it get one, it is compared too.
        assert quoted(definition) == set(STATUSES), f"{table}: {definition}"


async def test_the_inbox_indexes_hold_the_open_statuses(db: asyncpg.Connection) -> None:
    rows = await db.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'applications_application' "
        "AND indexdef LIKE '%WHERE%status%'"
    )
    assert {r["indexname"] for r in rows} >= {"applications_inbox_idx", "applications_assigned_open_idx"}
    for row in rows:
        assert quoted(row["indexdef"].split("WHERE", 1)[1]) == set(OPEN), row["indexdef"]


def enum_of(schema: dict[str, Any]) -> set[str]:
    return {v for v in schema["enum"] if v is not None}


async def test_the_api_document_is_the_definition(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/schema/openapi.json")).json()
    components = spec["components"]["schemas"]
    for name in ("ApplicationSummary", "ApplicationDetail"):
        assert enum_of(components[name]["properties"]["status"]) == set(STATUSES), name
    inbox = spec["paths"]["/api/v1/officer/applications"]["get"]["parameters"]
    status_filter = next(p for p in inbox if p["name"] == "status")
    assert enum_of(status_filter["schema"]) == set(OPEN)
    decision = components["Decision"]["properties"]["action"]
    assert enum_of(decision) == set(get_args(OfficerAction))


def test_the_state_machine_uses_only_statuses() -> None:
    assert len(STATUSES) == len(set(STATUSES)) and set(OPEN) <= set(STATUSES)
    for action, (sources, target, who) in TRANSITIONS.items():
        assert set(sources) | {target} <= set(STATUSES), action
        assert who in ("citizen", "officer")
    officer_moves = {action for action, (_, _, who) in TRANSITIONS.items() if who == "officer"}
    assert officer_moves == set(get_args(schemas.Action))
    # Every status but the first is reachable, and only the open ones can still move on.
    reachable = {target for _, target, _ in TRANSITIONS.values()}
    assert reachable == set(STATUSES) - {"draft"}
    movable = {s for sources, _, who in TRANSITIONS.values() if who == "officer" for s in sources}
    assert movable <= set(OPEN)
