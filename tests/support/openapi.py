"""Reading the API's own OpenAPI document in tests that generate their cases from it."""

from __future__ import annotations

from typing import Any


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The schema behind any chain of ``$ref``s."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema
