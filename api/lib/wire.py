"""Base classes of every wire type: camelCase JSON; inputs refuse fields they do not know. Constrained text types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import msgspec

S = TypeVar("S", bound=msgspec.Struct)


class Struct(msgspec.Struct, rename="camel", omit_defaults=True):
    """An answer."""


def from_row(struct: type[S], row: Mapping[str, Any], **given: Any) -> S:
    """``struct`` with each field taken from the row's column of the same name; ``given`` sets the others
    (and overrides a column whose meaning differs, such as an id where the answer wants a name). Saves the
    field-by-field copy that every read would otherwise spell out."""
    return struct(**{f: row[f] for f in struct.__struct_fields__ if f in row and f not in given}, **given)


class Input(msgspec.Struct, rename="camel", omit_defaults=True, forbid_unknown_fields=True):
    """A request body: an unknown field is an error (a typo must not be silently ignored)."""


# Constrained text for wire types, the declared half of the hostile-input rules (``api.lib.input_guard`` refuses the
# same characters in every body before decoding; these say it in the OpenAPI document, and hold where the middleware
# does not stand, e.g. a struct decoded from a file or a queue message).
# A person's or a place's name: no control, direction-override, direction-mark or zero-width characters.
Name = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=120,
        pattern="^[^\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]+$",
        description="A name: no control or bidi characters",
    ),
]
# A calendar date as text, years MIN_YEAR..MAX_YEAR of api.lib.input_guard (1800–2199): a year-9999 date overflows
# date arithmetic. (msgspec's own ``date`` takes any year up to 9999 and Meta cannot bound it.)
DateText = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(?:1[89]|2[01])[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$",
        description="A date, YYYY-MM-DD, between 1800 and 2199",
    ),
]
