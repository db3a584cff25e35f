"""Base classes of every wire type: camelCase JSON; inputs refuse fields they do not know."""

from __future__ import annotations

import msgspec


class Struct(msgspec.Struct, rename="camel", omit_defaults=True):
    """An answer."""


class Input(msgspec.Struct, rename="camel", omit_defaults=True, forbid_unknown_fields=True):
    """A request body: an unknown field is an error (a typo must not be silently ignored)."""
