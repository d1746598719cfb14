# SPDX-License-Identifier: AGPL-3.0-or-later
"""Where stored files live: the data directory (default) or S3-compatible object storage
(EBOK_STORAGE_URL=s3://BUCKET/PREFIX).

A file is named by a key such as ``photos/ab/cd/<sha256>.jpg`` (photos, by content) or
``documents/customers/ab/<uuid>.pdf`` (documents and contact attachments, by a fresh id) or
``registry-imports/ab/<uuid>.upload`` (a registry file the office uploaded, until it is applied) or
``billing-documents/ab/<uuid>.pdf`` (a billing system's document, EBOK_BILLING=external): on disk
the key is the path under the data directory, in a bucket the object's name after the prefix.
Nothing here is public: every file is read by the app, which decides who may see it.
Only the folders in ``FOLDERS`` hold stored files (the data directory keeps mail, exports and
metrics files too, which are not stored files)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import re
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, Final, Protocol

from backend.core.errors import ApiError
from backend.core.files import write_atomic
from backend.settings import Settings

log = logging.getLogger("ebok.storage")
FOLDERS: Final = ("photos", "documents", "contact", "applications", "registry-imports", "billing-documents")


_SHA256 = re.compile(r"[0-9a-f]{64}")


def photo_key(sha256: str, thumb: bool = False) -> str:
    """``photos/ab/cd/<sha256>.jpg`` (``.thumb.jpg``): where PhotoStore has always kept them."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError("a photo is named by 64 lowercase hex digits")
    return f"photos/{sha256[:2]}/{sha256[2:4]}/{sha256}{'.thumb' if thumb else ''}.jpg"


def file_key(folder: str, file_id: str, suffix: str) -> str:
    """``<folder>/ab/<uuid><suffix>``: where FileStore has always kept them (a UUID round trip: no
    separators or dots of the caller's reach the key)."""
    clean = str(uuid.UUID(str(file_id)))
    return check_key(f"{folder}/{clean[:2]}/{clean}{suffix}")


async def save_photo(store: Storage, sha256: str, full: bytes, thumb: bytes) -> None:
    """The thumbnail first: whenever the full picture is there, its thumbnail is too. Both are named
    by content, so what exists is right and is not written again."""
    if hashlib.sha256(full).hexdigest() != sha256:
        raise ValueError("the photo does not match its hash")
    for key, data in ((photo_key(sha256, thumb=True), thumb), (photo_key(sha256), full)):
        if not await store.exists(key):
            await store.put(key, data)


class StorageUnavailable(Exception):
    """The object store did not answer (or refused): whatever needed it is retried later."""


def check_key(key: str) -> str:
    parts = key.split("/")
    if not key or parts[0] not in FOLDERS or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...

    def keys(self, folders: Sequence[str] = FOLDERS) -> AsyncIterator[str]: ...

    async def is_empty(self) -> bool: ...


class LocalStorage:
    """Files under the data directory, each written atomically and durably (core/files.py)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(write_atomic, self.path(key), data)

    async def get(self, key: str) -> bytes | None:
        try:
            return await asyncio.to_thread(self.path(key).read_bytes)
        except FileNotFoundError:
            return None

    async def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    async def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    async def keys(self, folders: Sequence[str] = FOLDERS) -> AsyncIterator[str]:
        for folder in folders:
            top = self.root / folder
            found: list[str] = []
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                rel = Path(dirpath).relative_to(self.root).as_posix()
                found.extend(f"{rel}/{name}" for name in sorted(filenames) if not name.startswith("."))
            for key in found:  # temporary files (".name.tmp") of writes in progress are skipped
                yield key

    async def is_empty(self) -> bool:
        async for _ in self.keys():
            return False
        return True


class S3Storage:
    """Objects in an S3-compatible bucket (AWS, MinIO, Ceph, ...) through obstore's async API.

    Requests time out after a few seconds and are retried briefly, then raise StorageUnavailable: a
    reading is refused (503, retryable) rather than waiting long or being stored without its photo."""

    def __init__(self, url: str, endpoint: str = "", region: str = "") -> None:
        from datetime import timedelta

        from obstore.store import S3Store

        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError("EBOK_STORAGE_URL must be s3://BUCKET or s3://BUCKET/PREFIX")
        self.url = url
        self.bucket, self.prefix = parts.netloc, parts.path.strip("/")
        config: dict[str, Any] = {"region": region or os.environ.get("AWS_REGION") or "us-east-1"}
        if endpoint:
            config["endpoint"] = endpoint
        for name, key in (("AWS_ACCESS_KEY_ID", "access_key_id"), ("AWS_SECRET_ACCESS_KEY", "secret_access_key"),
                          ("AWS_SESSION_TOKEN", "token")):
            if os.environ.get(name):
                config[key] = os.environ[name]
        self.store = S3Store(
            self.bucket, prefix=self.prefix or None, config=config,  # type: ignore[arg-type]
            client_options={"allow_http": endpoint.startswith("http://"), "connect_timeout": timedelta(seconds=2),
                            "timeout": timedelta(seconds=15)},
            retry_config={"max_retries": 2, "retry_timeout": timedelta(seconds=5),
                          "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=1),
                                      "base": 2}},
        )

    async def put(self, key: str, data: bytes) -> None:
        import obstore

        try:
            await obstore.put_async(self.store, check_key(key), data)
        except Exception as exc:
            raise StorageUnavailable(f"object storage: {type(exc).__name__}") from exc

    async def get(self, key: str) -> bytes | None:
        import obstore

        try:
            result = await obstore.get_async(self.store, check_key(key))
            return bytes(await result.bytes_async())
        except FileNotFoundError:  # obstore's NotFoundError
            return None
        except Exception as exc:
            raise StorageUnavailable(f"object storage: {type(exc).__name__}") from exc

    async def exists(self, key: str) -> bool:
        import obstore

        try:
            await obstore.head_async(self.store, check_key(key))
            return True
        except FileNotFoundError:  # obstore's NotFoundError
            return False
        except Exception as exc:
            raise StorageUnavailable(f"object storage: {type(exc).__name__}") from exc

    async def delete(self, key: str) -> None:
        import obstore

        try:
            await obstore.delete_async(self.store, check_key(key))
        except FileNotFoundError:
            pass
        except Exception as exc:
            raise StorageUnavailable(f"object storage: {type(exc).__name__}") from exc

    async def keys(self, folders: Sequence[str] = FOLDERS) -> AsyncIterator[str]:
        import obstore

        for folder in folders:
            try:
                async for batch in obstore.list(self.store, f"{folder}/"):
                    for meta in batch:
                        yield str(meta["path"])
            except Exception as exc:
                raise StorageUnavailable(f"object storage: {type(exc).__name__}") from exc

    async def is_empty(self) -> bool:
        async for _ in self.keys():
            return False
        return True


def unavailable() -> ApiError:
    """The answer while the object store is down: retryable (the PWA's outbox keeps the request)."""
    return ApiError("storage_unavailable", "Files cannot be stored or read right now; try again later", 503,
                    headers={"retry-after": "30"})


async def put_all(settings: Settings, files: list[tuple[str, bytes]]) -> None:
    """Every file stored, or none left behind and 503 storage_unavailable."""
    store, done = from_settings(settings), list[str]()
    for key, data in files:
        try:
            await store.put(key, data)
        except StorageUnavailable:
            await remove_all(settings, done)
            raise unavailable() from None
        done.append(key)


async def read(settings: Settings, key: str) -> bytes | None:
    try:
        return await from_settings(settings).get(key)
    except StorageUnavailable:
        raise unavailable() from None


async def remove_all(settings: Settings, keys: list[str]) -> None:
    """Best effort: a file the store could not delete now is only an orphan, named by nothing."""
    for key in keys:
        try:
            await from_settings(settings).delete(key)
        except StorageUnavailable:
            log.warning("object storage unavailable: %s left behind", key)


def from_settings(settings: Settings) -> Storage:
    if settings.storage_url:
        return _s3(settings.storage_url, settings.s3_endpoint, settings.s3_region)
    return LocalStorage(settings.data_dir)


@functools.cache
def _s3(url: str, endpoint: str, region: str) -> S3Storage:
    """One client (and its connection pool) per process and configuration."""
    return S3Storage(url, endpoint, region)
