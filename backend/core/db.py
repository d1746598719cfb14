"""Database engine, migrations and the few helpers every domain needs."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

try:  # asyncpg is optional at import time only for type checkers
    from asyncpg.exceptions import UniqueViolationError
except ImportError:  # pragma: no cover
    UniqueViolationError = ()  # type: ignore[assignment,misc]


class WalSQLiteEngine(SQLiteEngine):
    """SQLite with WAL and a busy timeout on every connection (Piccolo opens one per query)."""

    async def get_connection(self):  # type: ignore[no-untyped-def]
        connection = await super().get_connection()
        await connection.execute("PRAGMA synchronous = NORMAL")
        await connection.execute("PRAGMA busy_timeout = 30000")
        return connection


def default_sqlite_path() -> Path:
    from backend.settings import Settings

    return Settings.from_env().sqlite_path


def engine_from_env() -> Engine:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url}, log_queries=False)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
    elif url:
        raise ValueError("DATABASE_URL must start with postgresql:// or sqlite:///")
    else:
        path = default_sqlite_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:  # WAL is a property of the file: set it once
        conn.execute("PRAGMA journal_mode = WAL")
    return WalSQLiteEngine(path=str(path), timeout=30)


def engine() -> Engine:
    from backend import piccolo_conf

    return piccolo_conf.DB


def is_postgres() -> bool:
    return isinstance(engine(), PostgresEngine)


@asynccontextmanager
async def transaction() -> AsyncIterator[Any]:
    """A write transaction; on SQLite it takes the write lock up front (IMMEDIATE) to avoid
    the upgrade deadlock two deferred readers-turned-writers run into."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        async with db.transaction(transaction_type=TransactionType.immediate) as tx:
            yield tx
    else:
        async with db.transaction() as tx:
            yield tx


def contains(column: Any, text: str) -> Any:
    """Case-insensitive substring match: ILIKE on PostgreSQL, LIKE (ASCII-insensitive) on SQLite."""
    escaped = text.replace("%", "").replace("_", "")
    pattern = f"%{escaped}%"
    return column.ilike(pattern) if is_postgres() else column.like(pattern)


def is_unique_violation(exc: BaseException) -> bool:
    """A duplicate key, on either database (they raise different exceptions)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    return bool(UniqueViolationError) and isinstance(exc, UniqueViolationError)


async def migrate() -> None:
    """Run every app's pending migrations (idempotent)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
    result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


async def start(db: Engine | None = None) -> None:
    db = db or engine()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=1, max_size=int(os.environ.get("EBOK_DB_POOL", "20")))


async def stop(db: Engine | None = None) -> None:
    db = db or engine()
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()
