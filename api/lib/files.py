"""Writing files that must never be seen half-written: the blob store's documents, the master key."""

from __future__ import annotations

import os
from pathlib import Path


def write_new_synced(path: Path, data: bytes) -> None:
    """Create ``path`` (mode 0600; it must not exist yet) holding ``data``, on disk before this returns.

    Meant for a temporary name that the caller then renames or links into place: readers see the whole file
    or none. A failed write removes what it created.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
