"""Who an officer is, as services see it: no HTTP types, so services can take it as a plain argument."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Officer:
    """A staff member acting for one agency in one region (the scope of every casework rule)."""

    id: uuid.UUID
    agency_code: str
    region: str
    supervisor: bool = False
