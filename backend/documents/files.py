"""Files kept in the data directory under a folder of their own, named by an opaque row id."""

from __future__ import annotations

import uuid
from pathlib import Path

from backend.core.files import write_atomic


class FileStore:
    def __init__(self, root: Path, suffix: str = ".pdf") -> None:
        self.root = Path(root)
        self.suffix = suffix

    def path(self, file_id: str) -> Path:
        # a UUID round trip: no path separators or dots can reach the file system
        clean = str(uuid.UUID(str(file_id)))
        return self.root / clean[:2] / f"{clean}{self.suffix}"

    def save(self, file_id: str, data: bytes) -> Path:
        target = self.path(file_id)
        write_atomic(target, data)
        return target

    def delete(self, file_id: str) -> None:
        self.path(file_id).unlink(missing_ok=True)


def is_uuid(value: object) -> bool:
    """Checked before querying: PostgreSQL refuses a malformed UUID with an error, SQLite finds nothing."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
