"""Files the domains keep in the data directory: written durably (a temporary file in the same
folder, fsync, an atomic rename, then fsync of the folder, so a crash leaves either the whole file
or none) and named by an opaque row id (FileStore)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import urllib.parse
import uuid
from pathlib import Path

from litestar import Response


def write_atomic(path: Path, data: bytes) -> None:
    write_all_atomic([(path, data)])


def write_all_atomic(files: list[tuple[Path, bytes]]) -> None:
    """Each file whole or not at all, renamed into place in the given order; each folder is
    fsynced once for all its files (a photo and its thumbnail cost three fsyncs, not four)."""
    written: list[tuple[str, Path]] = []
    try:
        for path, data in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            written.append((tmp, path))
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        for tmp, path in written:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in written:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    for directory in dict.fromkeys(path.parent for _, path in written):
        _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX); best effort elsewhere."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class FileStore:
    """Files under a folder of their own, named by a UUID (documents, contact attachments)."""

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


def content_disposition(kind: str, filename: str) -> str:
    """`attachment; filename="..."` as Litestar's File writes it (RFC 6266: filename* for non-ASCII)."""
    quoted = urllib.parse.quote(filename)
    return f'{kind}; filename="{filename}"' if quoted == filename else f"{kind}; filename*=utf-8''{quoted}"


def attachment_response(data: bytes, filename: str, media_type: str) -> Response[bytes]:
    """A resident's attachment (contact, applications) to its owner: photos shown inline, the rest downloaded."""
    kind = "inline" if media_type == "image/jpeg" else "attachment"
    return Response(data, media_type=media_type, headers={
        "content-disposition": content_disposition(kind, filename), "cache-control": "private, max-age=86400"})


def is_uuid(value: object) -> bool:
    """Checked before querying: PostgreSQL refuses a malformed UUID with an error, SQLite finds nothing."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
