"""Wire types of the national identity provider's sign-in."""

from __future__ import annotations

from typing import Annotated

import msgspec

from api.lib.wire import Input, Struct


class NationalProvider(Struct):
    """The configured provider, for the sign-in screen's button ("Masuk dengan {name}")."""

    name: str


class HandoffComplete(Input):
    # The one-time code the callback put in the PWA's address (#/signin/national?handoff=...).
    handoff: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
