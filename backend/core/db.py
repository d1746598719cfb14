"""Database engine, migrations and the few helpers every domain needs."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import aiosqlite
import msgspec
from asyncpg.exceptions import UniqueViolationError
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

T = TypeVar("T")
U = TypeVar("U")


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction on an idle connection of the loop's pool when there is one: Piccolo's own
    opens (and closes) a connection and its thread per transaction, ~1.3 ms of every write."""

    _pooled = False
    engine: WalSQLiteEngine

    async def get_connection(self) -> Any:
        queue = self.engine._pools.get(asyncio.get_running_loop())
        if queue is not None and not queue.empty():  # never wait: a busy pool means a new connection
            self._pooled = True
            return queue.get_nowait()
        return await self.engine.get_connection()

    async def begin(self) -> None:
        try:
            await super().begin()  # type: ignore[no-untyped-call]
        except BaseException:  # e.g. the write lock not had within busy_timeout: no __aexit__ follows
            await self.connection.close()
            raise

    async def __aexit__(self, exception_type, exception, traceback) -> bool:  # type: ignore[no-untyped-def]
        if self._parent or not self._pooled:
            return await super().__aexit__(exception_type, exception, traceback)
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        except BaseException:
            await self.connection.close()  # its state is unknown: it does not go back
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
        queue = self.engine._pools.get(asyncio.get_running_loop())
        if queue is None or self.connection.in_transaction:
            await self.connection.close()
        else:
            queue.put_nowait(self.connection)
        return exception is None


# Polish letters folded to their base letters for searches: SQLite's LOWER() knows only ASCII
# ("Ślęzak" would not match "ślęzak"), and the office types names with and without diacritics.
_POLISH, _BASE = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzacelnoszz"
_FOLD = str.maketrans(_POLISH, _BASE)


def fold(text: str) -> str:
    """Lower case without Polish diacritics: "Łucja Ślęzak" -> "lucja slezak"."""
    return text.translate(_FOLD).lower()


def _fold_column(value: str | None) -> str | None:  # SQLite's ebok_fold(): NULL stays NULL
    return None if value is None else fold(value)


def fold_sql(expression: str) -> str:
    """SQL folding a text expression as fold() does: a function registered on every SQLite connection,
    translate() on PostgreSQL. The capitals are in translate()'s list too: lower() folds Polish
    capitals only where the database's LC_CTYPE knows them (a database made with LC_CTYPE C leaves
    "Ł" as it is)."""
    if is_postgres():
        return f"translate(lower({expression}), '{_POLISH}', '{_BASE}')"
    return f"ebok_fold({expression})"


class WalSQLiteEngine(SQLiteEngine):
    """SQLite in WAL mode. Piccolo opens a new connection (and a thread) for every query and every
    transaction; once `start()` ran on an event loop, both reuse a few autocommit connections of
    that loop instead, which halves the cost of a typical request."""

    POOL_SIZE = 4

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pools: dict[asyncio.AbstractEventLoop, asyncio.Queue[Any]] = {}
        self._readers = threading.local()

    async def _prepare(self, connection: Any) -> Any:
        connection.row_factory = dict_factory
        await connection.create_function("ebok_fold", 1, _fold_column, deterministic=True)
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute("PRAGMA synchronous = NORMAL")  # WAL: durable at checkpoints, much faster
        await connection.execute("PRAGMA busy_timeout = 30000")
        return connection

    async def get_connection(self) -> Any:
        return await self._prepare(await super().get_connection())

    async def open_pool(self) -> None:
        loop = asyncio.get_running_loop()
        if loop in self._pools:
            return
        queue: asyncio.Queue[Any] = asyncio.Queue()
        for _ in range(self.POOL_SIZE):
            kwargs = {**self.connection_kwargs, "isolation_level": None}  # autocommit
            queue.put_nowait(await self._prepare(await aiosqlite.connect(**kwargs)))
        self._pools[loop] = queue

    async def close_pool(self) -> None:
        queue = self._pools.pop(asyncio.get_running_loop(), None)
        while queue is not None and not queue.empty():
            await queue.get_nowait().close()

    def reader(self) -> sqlite3.Connection:
        """This thread's autocommit connection for `rows()`: a read in WAL mode does not wait for
        writers, so it runs right here instead of hopping to aiosqlite's thread (~4 hops a query)."""
        connection: sqlite3.Connection | None = getattr(self._readers, "connection", None)
        if connection is None:
            connection = sqlite3.connect(**{**self.connection_kwargs, "isolation_level": None})
            connection.execute("PRAGMA foreign_keys = 1")
            connection.execute("PRAGMA busy_timeout = 5000")
            connection.create_function("ebok_fold", 1, _fold_column, deterministic=True)
            self._readers.connection = connection
        return connection

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        return PooledSQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):  # type: ignore[no-untyped-def]
        queue = self._pools.get(asyncio.get_running_loop())
        if queue is None:
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await queue.get()
        try:
            async with connection.execute(query, args or []) as cursor:
                return await cursor.fetchall()
        finally:
            queue.put_nowait(connection)


def default_sqlite_path() -> Path:
    from backend.settings import Settings

    return Settings.from_env().sqlite_path


def engine_from_env() -> Engine[Any]:
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


def engine() -> Engine[Any]:
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


_NUMBERED = re.compile(r"\$(\d+)")
_prepared: dict[tuple[str, int, bool], str] = {}


def _prepare(sql: str, listed: int, postgres: bool) -> str:
    key = (sql, listed, postgres)
    text = _prepared.get(key)
    if text is None:
        first = max(map(int, _NUMBERED.findall(sql)), default=0) + 1
        text = sql.replace("{each}", ", ".join(f"${i}" for i in range(first, first + listed)) or "NULL")
        text = text if postgres else _NUMBERED.sub(r"?\1", text)
        _prepared[key] = text
    return text


async def rows(sql: str, *args: Any, each: Sequence[Any] = ()) -> Sequence[Sequence[Any]]:
    """The rows (tuples) of one read-only query written with PostgreSQL's `$1` placeholders, for the
    hot read paths (the session, the resident's start screens): no query builder, no thread hop on
    SQLite, asyncpg's cached prepared statement on PostgreSQL. `{each}` in the text becomes one
    placeholder per value of `each` (an IN list), numbered after `args`. Column values come typed as
    from Piccolo (the SQLite converters are Piccolo's); a computed column (MAX(), a subquery) comes
    as the database stores it. Reads committed data only: not for use inside a write transaction
    that should see its own changes."""
    db = engine()
    values = (*args, *each)
    if isinstance(db, PostgresEngine):
        return await _pg_statement(db, _prepare(sql, len(each), True), values)
    assert isinstance(db, WalSQLiteEngine)
    return db.reader().execute(_prepare(sql, len(each), False), values).fetchall()


@dataclass(frozen=True)
class Read(Generic[T]):
    """One read-only statement for rows() (`sql` empty: nothing to read) and what its caller makes of
    the rows (`then`): a domain's services hand it out so that a screen reading several domains can
    send their statements together (read_together()); `await run(read)` reads it alone."""

    sql: str
    args: tuple[Any, ...]
    each: Sequence[Any]
    then: Callable[[Sequence[Sequence[Any]]], T]

    def map(self, f: Callable[[T], U]) -> Read[U]:
        """The same statement, its result made into something more by `f` (one domain building on another's read)."""
        then = self.then
        return Read(self.sql, self.args, self.each, lambda found: f(then(found)))


def read(sql: str, *args: Any, each: Sequence[Any] = (), then: Callable[[Sequence[Sequence[Any]]], T]) -> Read[T]:
    return Read(sql, args, list(each), then)


async def run(one: Read[T]) -> T:
    return one.then(await rows(one.sql, *one.args, each=one.each) if one.sql else [])


_together: dict[tuple[tuple[str, int], ...], str] = {}


async def read_together(*reads: Read[Any]) -> tuple[Any, ...]:
    """Reads that need nothing of each other, their results in their order. On PostgreSQL one
    statement, one round trip: `SELECT ARRAY(SELECT q FROM (<read 1>) q), ARRAY(...)`, each read's
    placeholders renumbered after the ones before, its rows coming back as records with their
    columns' types (asyncpg decodes an anonymous record's fields by the types the server sends), in
    the order the read's own ORDER BY gives (a subquery scan keeps it). Each statement costs ~90 us
    of this process's CPU and as much of the server's, on the same cores: the start screens send
    three or four. On SQLite, which has no round trip, one read after the other."""
    db = engine()
    wanted = [r for r in reads if r.sql]
    if not isinstance(db, PostgresEngine) or len(wanted) < 2:
        return tuple([await run(r) for r in reads])
    key = tuple((r.sql, len(r.each)) for r in wanted)
    text = _together.get(key)
    if text is None:
        parts, offset = [], 0
        for r in wanted:
            parts.append("ARRAY(SELECT q FROM (" + _renumbered(_prepare(r.sql, len(r.each), True), offset)  # noqa: S608
                         + ") q)")  # the reads' own constant texts, placeholders for every value
            offset += len(r.args) + len(r.each)
        text = _together[key] = "SELECT " + ", ".join(parts)
    values = [v for r in wanted for v in (*r.args, *r.each)]
    found = iter((await _pg_statement(db, text, tuple(values)))[0])
    return tuple(r.then(list(next(found))) if r.sql else r.then([]) for r in reads)


def _renumbered(text: str, offset: int) -> str:
    return _NUMBERED.sub(lambda m: f"${int(m.group(1)) + offset}", text) if offset else text


async def _pg_statement(db: PostgresEngine, text: str, values: tuple[Any, ...]) -> Sequence[Sequence[Any]]:
    if db.pool is not None:
        return await _pg_read(db.pool, text, values)
    connection = await db.get_new_connection()
    try:
        return await connection.fetch(text, *values)  # type: ignore[no-any-return]
    finally:
        await connection.close()


# PostgreSQL connections rows() keeps between its reads (at most a quarter of the pool): asyncpg's
# Pool.fetch() acquires and releases a connection around every query (a timeout, a shielded task, a
# timer re-armed), ~0.03 ms of Python each, four or five times a start screen. rows() runs one
# read-only statement outside any transaction, so a connection it kept has no state to reset.
_kept: dict[Any, list[Any]] = {}


async def _pg_read(pool: Any, text: str, values: tuple[Any, ...]) -> Sequence[Sequence[Any]]:
    idle = _kept.setdefault(pool, [])
    connection = idle.pop() if idle else None
    if connection is None or connection.is_closed():  # a closed one (the server restarted): the pool reconnects
        if connection is not None:
            await pool.release(connection)
        connection = await pool.acquire()
    try:
        found: Sequence[Sequence[Any]] = await connection.fetch(text, *values)
    except BaseException:  # an error or a cancellation: the pool resets the connection, or drops it
        await pool.release(connection)
        raise
    if len(idle) < max(1, pool.get_max_size() // 4) and not connection.is_closed():
        idle.append(connection)
    else:
        await pool.release(connection)
    return found


async def _release_kept(pool: Any) -> None:
    for connection in _kept.pop(pool, []):
        await pool.release(connection)


async def execute(sql: str, *args: Any) -> None:
    """One write statement (PostgreSQL's `$1` placeholders) in a transaction of its own, for the hot
    paths' small writes (a session's sliding expiry on every request that renews it): no query
    builder; on SQLite one of the loop's autocommit connections (a write waits for the lock off the
    event loop), on PostgreSQL the pool. Not inside another transaction: it would not be part of it."""
    db = engine()
    if isinstance(db, PostgresEngine):
        text = _prepare(sql, 0, True)
        if db.pool is not None:
            await db.pool.execute(text, *args)
            return
        connection = await db.get_new_connection()
        try:
            await connection.execute(text, *args)
        finally:
            await connection.close()
        return
    assert isinstance(db, WalSQLiteEngine)
    text = _prepare(sql, 0, False)
    queue = db._pools.get(asyncio.get_running_loop())
    if queue is None:
        connection = await db.get_connection()
        try:
            await connection.execute(text, args)
            await connection.commit()
        finally:
            await connection.close()
        return
    pooled = await queue.get()
    try:
        await pooled.execute(text, args)
    finally:
        queue.put_nowait(pooled)


def contains(column: Any, text: str) -> Any:
    """Case-insensitive substring match: ILIKE on PostgreSQL, LIKE (ASCII-insensitive) on SQLite."""
    escaped = text.replace("%", "").replace("_", "")
    pattern = f"%{escaped}%"
    return column.ilike(pattern) if is_postgres() else column.like(pattern)


def json_column(value: Any) -> Any:
    """A JSON column's value: the drivers hand it over as text (SQLite, asyncpg), or decoded."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def json_list(value: Any) -> list[Any]:
    """A JSON column holding a list (flags, reasons, ids); [] for none."""
    return list(json_column(value) or [])


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


async def pending_migrations() -> list[str]:
    """`app:migration` ids on disk not recorded as run (the readiness check): one query, no writes;
    a database without Piccolo's migration table has them all pending."""
    from piccolo.apps.migrations.commands.base import BaseMigrationManager
    from piccolo.apps.migrations.tables import Migration

    os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")
    manager = BaseMigrationManager()
    on_disk = [f"{m.APP_CONFIG.app_name}:{mid}" for m in manager.get_app_modules()
               for mid in manager.get_migration_ids(
                   manager.get_migration_modules(m.APP_CONFIG.resolved_migrations_folder_path))]
    if not await Migration.table_exists():
        return on_disk
    ran = {f"{r['app_name']}:{r['name']}" for r in await Migration.select(Migration.app_name, Migration.name)}
    return [m for m in on_disk if m not in ran]


def pool_usage(db: Engine[Any] | None = None) -> dict[str, int] | None:
    """Connections of this process's pool (the event loop's, on SQLite), or None without one."""
    db = db or engine()
    if isinstance(db, PostgresEngine) and db.pool is not None:
        # the connections rows() keeps between its reads are idle too
        size, idle = db.pool.get_size(), db.pool.get_idle_size() + len(_kept.get(db.pool, ()))
        return {"in_use": size - idle, "idle": idle, "max": db.pool.get_max_size()}
    if isinstance(db, WalSQLiteEngine):
        try:
            queue = db._pools.get(asyncio.get_running_loop())
        except RuntimeError:
            queue = None
        if queue is not None:
            idle = queue.qsize()
            return {"in_use": max(0, db.POOL_SIZE - idle), "idle": idle, "max": db.POOL_SIZE}
    return None


async def _keep_session(connection: Any) -> None:
    """The pool's reset of a connection given back, after asyncpg's own (which rolls back an open
    transaction): nothing more. asyncpg's default sends `pg_advisory_unlock_all(); CLOSE ALL;
    UNLISTEN *; RESET ALL` on every release, a round trip after every query of every request; the
    app never leaves session state behind (no SET, LISTEN, session-level advisory lock or cursor
    outside a transaction: its advisory locks are transaction-level)."""


async def start(db: Engine[Any] | None = None) -> None:
    db = db or engine()
    if isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=1, max_size=int(os.environ.get("EBOK_DB_POOL", "20")),
                                       reset=_keep_session)
    elif isinstance(db, WalSQLiteEngine):
        await db.open_pool()


async def stop(db: Engine[Any] | None = None) -> None:
    db = db or engine()
    if isinstance(db, PostgresEngine):
        if db.pool is not None:
            await _release_kept(db.pool)  # Pool.close() waits for every connection to come back
        await db.close_connection_pool()
    elif isinstance(db, WalSQLiteEngine):
        await db.close_pool()
