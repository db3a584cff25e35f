"""Identity numbers for test people."""

from __future__ import annotations

import secrets


def random_nik() -> str:
    """A structurally valid NIK (Banyumas, born in August of the 1990s), different on each call.

    NIKs are unique per account and the session shares one database, so the birth day and year vary as well as
    the serial: about 2.5 million numbers, which keeps a clash (the second account would hold only a claim to the
    NIK, accounts_nik_claim) out of a session's few hundred.
    """
    day = secrets.randbelow(28) + 1
    return f"330201{day:02d}089{secrets.randbelow(10)}{secrets.randbelow(9000) + 1000}"
