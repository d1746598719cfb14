# SPDX-License-Identifier: AGPL-3.0-or-later
"""`ebok backup DIR` and `ebok restore DIR`: the database, the stored files and a manifest.

A backup folder holds::

    manifest.json          format, e-BOK version, when, the database engine, row counts per table,
                           the migrations run, and the size and SHA-256 of every other file here
    database.sqlite3       SQLite: a copy made with SQLite's online backup API (one read transaction:
                           the app keeps writing meanwhile; WAL readers do not block writers)
    database.pgdump        PostgreSQL: ``pg_dump --format=custom`` of a snapshot exported by the
                           transaction that also counts the rows, so the counts are the dump's
    secret_key             the generated key of the data directory, when there is one (mode 0600)
    files/<key>            every stored file (photos, documents, contact attachments, registry uploads
                           still in hand) by its storage key

Consistency: the database is copied first and the files after it. A row is committed only once its
file is stored (readings: photo first, then the row), and stored files are named by content or by a
fresh id, so every file a copied row names is already there when the files are copied; files that
arrive later are extra, never missing.

Safety: the backup is written to a hidden folder beside DIR and renamed into place only once complete
and fsynced; a failure (unwritable folder, full disk) removes the partial copy and leaves the
previous backup in DIR untouched. DIR is replaced only when it is empty or an e-BOK backup itself.
Restore checks every checksum before it writes anything, and refuses a data directory or a database
that is not empty.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.core import clock, storage
from backend.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
SECRET_FILE = "secret_key"  # noqa: S105 - a file name
FILES = "files"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (shown as is by the CLI)."""


@dataclass(frozen=True)
class Result:
    folder: Path
    tables: int
    rows: int
    files: int
    bytes: int
    seconds: float


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ebok")
    except PackageNotFoundError:
        return "unknown"


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> dict[str, Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


# --- the database ---------------------------------------------------------------------------------


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def sqlite_path(settings: Settings) -> Path:
    if settings.database_url.startswith("sqlite:///"):
        return Path(settings.database_url.removeprefix("sqlite:///"))
    return settings.sqlite_path


def pg_env(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, which goes in PGPASSWORD (a command line is visible to every user)."""
    parts = urllib.parse.urlsplit(url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = urllib.parse.unquote(parts.password)
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0]
        parts = parts._replace(netloc=f"{user}@{netloc[1]}")
    return urllib.parse.urlunsplit(parts), env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools "
                          "(Debian: apt-get install postgresql-client, the server's major version or newer)")
    return found


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names}  # noqa: S608


def _migrations_sqlite(conn: sqlite3.Connection) -> list[str]:
    try:
        return [f"{a}:{n}" for a, n in conn.execute("SELECT app_name, name FROM migration ORDER BY id")]
    except sqlite3.OperationalError:
        return []


def _backup_sqlite(source: Path, folder: Path) -> dict[str, Any]:
    if not source.exists():
        raise BackupError(f"no database at {source}")
    target = folder / SQLITE_FILE
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dest = sqlite3.connect(target)
        try:
            src.backup(dest)  # all pages in one step: one read transaction, one consistent copy
            dest.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            counts, migrations = _sqlite_counts(dest), _migrations_sqlite(dest)
        finally:
            dest.close()
    finally:
        src.close()
    _fsync(target)
    digest, size = sha256_file(target)
    return {"engine": "sqlite", "file": SQLITE_FILE, "sha256": digest, "size": size,
            "counts": counts, "migrations": migrations}


async def _pg_counts(conn: Any) -> dict[str, int]:
    names = [r["table_name"] for r in await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name")]
    return {n: int(await conn.fetchval(f'SELECT count(*) FROM "{n}"')) for n in names}  # noqa: S608


async def _backup_postgres(url: str, folder: Path) -> dict[str, Any]:
    import asyncpg

    pg_dump = _pg_tool("pg_dump")
    target = folder / PG_FILE
    conn = await asyncpg.connect(url)
    try:
        # the counts and the dump see the same snapshot: this transaction exports it to pg_dump
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            counts = await _pg_counts(conn)
            migrations = []
            if "migration" in counts:
                migrations = [f"{r['app_name']}:{r['name']}"
                              for r in await conn.fetch("SELECT app_name, name FROM migration ORDER BY id")]
            dsn, env = pg_env(url)
            proc = await asyncio.create_subprocess_exec(
                pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                f"--file={target}", f"--dbname={dsn}", env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, err = await proc.communicate()
            if proc.returncode != 0:
                raise BackupError(f"pg_dump failed: {err.decode(errors='replace').strip()}")
    finally:
        await conn.close()
    _fsync(target)
    digest, size = sha256_file(target)
    return {"engine": "postgresql", "file": PG_FILE, "sha256": digest, "size": size,
            "counts": counts, "migrations": migrations}


# --- backup ---------------------------------------------------------------------------------------


def _is_backup(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def _check_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not _is_backup(target))):
        raise BackupError(f"{target} exists and is not an e-BOK backup: choose an empty or new folder")


async def _copy_files(settings: Settings, folder: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    store = storage.from_settings(settings)
    async for key in store.keys():
        data = await store.get(key)
        if data is None:  # removed since it was listed (a document deleted meanwhile)
            continue
        files[key] = await asyncio.to_thread(_write, folder / FILES / key, data)
    return files


async def backup(settings: Settings, target: Path) -> Result:
    started = time.monotonic()
    target, partial = await asyncio.to_thread(_prepare, target)
    try:
        if is_postgres_url(settings.database_url):
            database = await _backup_postgres(settings.database_url, partial)
        else:
            database = await asyncio.to_thread(_backup_sqlite, sqlite_path(settings), partial)
        files = await _copy_files(settings, partial)
        secret = settings.data_dir / "secret_key"
        extra: dict[str, dict[str, Any]] = {}
        if secret.is_file():
            extra[SECRET_FILE] = await asyncio.to_thread(_write, partial / SECRET_FILE, secret.read_bytes())
            os.chmod(partial / SECRET_FILE, 0o600)
        counts = database.pop("counts")
        migrations = database.pop("migrations")
        manifest = {
            "format": FORMAT, "ebok_version": _version(), "created_at": clock.iso(clock.now()),
            "database": database, "counts": counts, "migrations": migrations,
            "secret_key": extra.get(SECRET_FILE), "files": files,
        }
        _write(partial / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
        for directory in [partial, *(p for p in partial.rglob("*") if p.is_dir())]:
            _fsync(directory)
        _swap(partial, target)
    except BaseException as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(exc, OSError | sqlite3.Error | BackupError):
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise BackupError(f"backup to {target} failed, the previous backup is untouched: {reason}") from exc
        raise
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    return Result(target, len(counts), sum(counts.values()), len(files), size, time.monotonic() - started)


def _prepare(target: Path) -> tuple[Path, Path]:
    target = target.absolute()
    _check_target(target)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        partial = parent / f".{target.name}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
    except OSError as exc:
        raise BackupError(f"cannot write a backup in {parent}: {exc.strerror or exc}") from exc
    return target, partial


def _swap(partial: Path, target: Path) -> None:
    """The complete copy takes the place of the previous one; a crash in between leaves the previous
    one as `.NAME.previous-PID` beside it."""
    previous = None
    if target.exists():
        previous = target.parent / f".{target.name}.previous-{os.getpid()}"
        os.replace(target, previous)
    os.replace(partial, target)
    _fsync(target.parent)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


# --- restore --------------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise BackupError(f"{folder} is not an e-BOK backup (no {MANIFEST})") from None
    except ValueError as exc:
        raise BackupError(f"{folder / MANIFEST} is not valid JSON: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}: restore it with the "
                          f"e-BOK version that made it ({manifest.get('ebok_version')})")
    return manifest


def _listed(manifest: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    database = manifest["database"]
    listed = [(database["file"], database)]
    if manifest.get("secret_key"):
        listed.append((SECRET_FILE, manifest["secret_key"]))
    listed += [(f"{FILES}/{key}", entry) for key, entry in manifest["files"].items()]
    return listed


def verify(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there with its size and SHA-256; nothing outside the folder."""
    bad: list[str] = []
    root = folder.resolve()
    for name, entry in _listed(manifest):
        path = (folder / name).resolve()
        if not path.is_relative_to(root) or ".." in Path(name).parts:
            raise BackupError(f"the manifest names a file outside the backup: {name}")
        if not path.is_file():
            bad.append(f"{name} (missing)")
            continue
        digest, size = sha256_file(path)
        if digest != entry.get("sha256") or size != entry.get("size"):
            bad.append(name)
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise BackupError(f"the backup does not match its manifest ({len(bad)} files): {shown}; nothing restored")


async def _pg_table_count(url: str) -> int:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"))
    finally:
        await conn.close()


async def _check_empty_target(settings: Settings, manifest: dict[str, Any]) -> None:
    engine = manifest["database"]["engine"]
    if is_postgres_url(settings.database_url) != (engine == "postgresql"):
        here = "PostgreSQL" if is_postgres_url(settings.database_url) else "SQLite"
        raise BackupError(f"the backup is of a {engine} database and DATABASE_URL is {here}: "
                          "restore into the same kind of database")
    data_dir = settings.data_dir
    if data_dir.exists() and any(p.name != "prometheus" for p in data_dir.iterdir()):
        raise BackupError(f"the data directory {data_dir} is not empty: restore only into a new, empty one")
    if engine == "postgresql":
        if await _pg_table_count(settings.database_url):
            raise BackupError("the database of DATABASE_URL is not empty: restore only into a new, empty database")
    elif sqlite_path(settings).exists():
        raise BackupError(f"the database {sqlite_path(settings)} exists: restore only into a new, empty database")
    if not await storage.from_settings(settings).is_empty():
        raise BackupError(f"the object storage {settings.storage_url} is not empty: restore only into a new, empty one")


async def restore(settings: Settings, folder: Path) -> Result:
    started = time.monotonic()
    manifest = read_manifest(folder)
    await _check_empty_target(settings, manifest)
    await asyncio.to_thread(verify, folder, manifest)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = manifest["database"]
    if database["engine"] == "postgresql":
        dsn, env = pg_env(settings.database_url)
        proc = await asyncio.create_subprocess_exec(
            _pg_tool("pg_restore"), "--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges",
            f"--dbname={dsn}", str(folder / PG_FILE), env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, err = await proc.communicate()
        if proc.returncode != 0:
            raise BackupError(f"pg_restore failed: {err.decode(errors='replace').strip()}")
    else:
        target = sqlite_path(settings)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.restore-{os.getpid()}")
        await asyncio.to_thread(shutil.copyfile, folder / SQLITE_FILE, partial)
        _fsync(partial)
        os.replace(partial, target)
    store = storage.from_settings(settings)
    for key in manifest["files"]:
        await store.put(key, await asyncio.to_thread((folder / FILES / key).read_bytes))
    if manifest.get("secret_key"):
        secret = settings.data_dir / "secret_key"
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write((folder / SECRET_FILE).read_bytes())
    counts = await _restored_counts(settings)
    expected: dict[str, int] = manifest["counts"]
    if counts != expected:
        wrong = sorted(t for t in set(counts) | set(expected) if counts.get(t) != expected.get(t))
        raise BackupError(f"restored row counts differ from the manifest's in {', '.join(wrong)}")
    size = sum(int(e["size"]) for _, e in _listed(manifest))
    return Result(folder, len(counts), sum(counts.values()), len(manifest["files"]), size,
                  time.monotonic() - started)


async def _restored_counts(settings: Settings) -> dict[str, int]:
    if is_postgres_url(settings.database_url):
        import asyncpg

        conn = await asyncpg.connect(settings.database_url)
        try:
            return await _pg_counts(conn)
        finally:
            await conn.close()
    conn = sqlite3.connect(sqlite_path(settings))
    try:
        return _sqlite_counts(conn)
    finally:
        conn.close()
