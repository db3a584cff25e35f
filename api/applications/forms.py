"""Checking a citizen's answers against a service's form definition, on the server (the PWA's checks are a
courtesy; these are the rules)."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from api.accounts.identity import InvalidIdentifierError, normalise_phone, validate_nik
from api.lib.errors import FieldError

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
ADDRESS_PARTS = {"street": 200, "village": 80, "district": 80, "regency": 80, "province": 80}
DEFAULT_MAX = {"text": 500, "textarea": 2000}
MAX_ANSWERS = 60


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    text: str = value.strip()
    if len(text) > limit:
        raise ValueError(f"must be at most {limit} characters")
    return text


def _number(value: Any, field: dict[str, Any]) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("must be a number")
    if field.get("min") is not None and value < field["min"]:
        raise ValueError(f"must be at least {field['min']:g}")
    if field.get("max") is not None and value > field["max"]:
        raise ValueError(f"must be at most {field['max']:g}")
    number: int | float = value
    return number


def _date(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a date (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("must be a date (YYYY-MM-DD)") from exc
    if not dt.date(1900, 1, 1) <= day <= dt.date.today() + dt.timedelta(days=3650):
        raise ValueError("is not a plausible date")
    return day.isoformat()


def _address(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError("must be an address (street, village, district, regency, province)")
    clean: dict[str, str] = {}
    for part, limit in ADDRESS_PARTS.items():
        clean[part] = _text(value.get(part, ""), limit)
        if not clean[part]:
            raise ValueError(f"needs {part}")
    for part, pattern in (("rtRw", r"^[0-9]{1,3}/[0-9]{1,3}$"), ("postcode", r"^[0-9]{5}$")):
        if value.get(part):
            if not isinstance(value[part], str) or not re.match(pattern, value[part]):
                raise ValueError(f"has an invalid {part}")
            clean[part] = value[part]
    if set(value) - set(ADDRESS_PARTS) - {"rtRw", "postcode"}:
        raise ValueError("has unknown parts")
    return clean


def _value(field: dict[str, Any], value: Any) -> Any:
    kind = field["type"]
    if kind in ("text", "textarea"):
        return _text(value, field.get("maxLength") or DEFAULT_MAX[kind])
    if kind == "number":
        return _number(value, field)
    if kind == "date":
        return _date(value)
    if kind == "select":
        options = {o["value"] for o in field.get("options") or []}
        if value not in options:
            raise ValueError(f"must be one of: {', '.join(sorted(options))}")
        return value
    if kind == "nik":
        try:
            return validate_nik(_text(value, 16))
        except InvalidIdentifierError as exc:
            raise ValueError(str(exc)) from exc
    if kind == "phone":
        try:
            return normalise_phone(_text(value, 32))
        except InvalidIdentifierError as exc:
            raise ValueError(str(exc)) from exc
    if kind == "email":
        text = _text(value, 254)
        if not EMAIL.match(text):
            raise ValueError("must be an e-mail address")
        return text
    if kind == "address":
        return _address(value)
    raise ValueError(f"has an unknown type {kind}")


def check_answers(
    form: list[dict[str, Any]], answers: dict[str, Any], *, complete: bool
) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate and normalise answers. ``complete``: every required field must be answered (submission);
    a draft may be partial but what it holds must still be well-formed."""
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    if len(answers) > MAX_ANSWERS:
        return {}, [FieldError(field="answers", message="too many answers")]
    fields = {f["name"]: f for f in form}
    for name in answers:
        if name not in fields:
            errors.append(FieldError(field=f"answers.{name}", message="is not a question of this service"))
    for name, field in fields.items():
        value = answers.get(name)
        if value is None or value == "":
            if complete and field.get("required", True):
                errors.append(FieldError(field=f"answers.{name}", message="is required"))
            continue
        try:
            clean[name] = _value(field, value)
        except ValueError as exc:
            errors.append(FieldError(field=f"answers.{name}", message=str(exc)))
    return clean, errors


def niks_in(form: list[dict[str, Any]], answers: dict[str, Any]) -> set[str]:
    """The identity numbers an application's answers name (for the anti-broker signal)."""
    return {str(answers[f["name"]]) for f in form if f["type"] == "nik" and answers.get(f["name"])}
