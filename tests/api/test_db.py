"""The database helpers every domain relies on: write transactions on either database."""

from __future__ import annotations

import asyncio

import pytest

from backend.core import db
from backend.core.tables import OutboxJob


async def test_transactions_commit_roll_back_and_return_their_connections(clean_db):
    await db.start()
    try:
        async with db.transaction():
            await OutboxJob.insert(OutboxJob(kind="kept", payload={}))
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await OutboxJob.insert(OutboxJob(kind="undone", payload={}))
                raise RuntimeError("the request failed after its first write")

        async def write(n: int) -> None:
            async with db.transaction():
                await OutboxJob.insert(OutboxJob(kind=f"w{n}", payload={}))
                await asyncio.sleep(0.01)  # hold the transaction while the others queue for the lock

        await asyncio.gather(*(write(n) for n in range(10)))  # more than the pool holds
        kinds = {r["kind"] for r in await OutboxJob.select(OutboxJob.kind)}
        assert kinds == {"kept"} | {f"w{n}" for n in range(10)}
        engine = db.engine()
        if isinstance(engine, db.WalSQLiteEngine):
            # SQLite: transactions borrow the loop's pooled connections and give them back clean
            pool = engine._pools[asyncio.get_running_loop()]
            assert pool.qsize() == engine.POOL_SIZE
            connections = [pool.get_nowait() for _ in range(pool.qsize())]
            assert not any(c.in_transaction for c in connections)
            for c in connections:
                pool.put_nowait(c)
    finally:
        await db.stop()
