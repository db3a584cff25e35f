"""The query-string guard's fast path (printable ASCII once decoded, no date) refuses exactly what decoding each
parameter refuses: it only skips work, never a check."""

from __future__ import annotations

import pytest

from api.lib.input_guard import HostileInputError, check_query, check_query_pairs

QUERIES = [
    b"q=ktp%20hilang",
    b"q=ktp+hilang&region=3302&page=2",
    b"q=%41%7e%25%2B",
    b"q=a%2",  # a stray percent sign: left as it is
    b"q=a%zz",
    b"q=a%00b",  # NUL
    b"q=a%7Fb",  # DEL
    b"q=a%1Bb",  # ESC
    b"q=%E2%80%AEabc",  # RIGHT-TO-LEFT OVERRIDE
    b"q=%C3%A9t%C3%A9",  # accented: fine
    b"q=%FF%FE",  # not UTF-8
    b"from=9999-01-01",  # a date out of range
    b"from=9999%2D01%2D01",  # the same, its hyphens escaped
    b"from=2024-05-01",
    b"name=a%09b",  # a tab in a name
    b"phone=%EF%BC%90812",  # a fullwidth digit in an identifier
]


def outcome(check: object, query: bytes) -> str | None:
    try:
        check(query)  # type: ignore[operator]
    except HostileInputError as exc:
        return f"{exc.status} {exc.code}"
    return None


@pytest.mark.parametrize("query", QUERIES)
def test_the_fast_path_refuses_what_each_parameter_refuses(query: bytes) -> None:
    assert outcome(check_query, query) == outcome(check_query_pairs, query)


def test_the_cases_cover_both_answers() -> None:
    refused = [q for q in QUERIES if outcome(check_query, q) is not None]
    assert b"q=a%00b" in refused and b"from=9999%2D01%2D01" in refused and b"name=a%09b" in refused
    assert b"q=ktp%20hilang" not in refused and len(refused) < len(QUERIES)
