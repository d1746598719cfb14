"""Exactly once per client-made key: an upload queued offline in the PWA's outbox may arrive twice
(a retry after a lost answer). The first request claims the key; a replay gets the first answer,
other content under the same key is refused, and a request that stored nothing frees the key."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from backend.core.clock import now
from backend.core.db import is_unique_violation, json_column
from backend.core.errors import ApiError
from backend.core.tables import IdempotencyKey

# A request keeps its key by renewing the claim's time (created_at) every HEARTBEAT while it works;
# a key not renewed for IN_PROGRESS_LEASE belongs to a request that died with its process (a crash,
# a kill), and the client's retry takes it over: a 409 for at most ten seconds after a crash, not
# two minutes, and never a second store while the first request is alive, in whichever process.
IN_PROGRESS_LEASE = timedelta(seconds=10)
HEARTBEAT = IN_PROGRESS_LEASE / 4

Answer = tuple[int, dict[str, Any]]
log = logging.getLogger("ebok.idempotency")


async def once(key: str, user_id: str, digest: str, work: Callable[[], Awaitable[Answer]]) -> Answer:
    """Run `work` once for this key; it must call `complete` in the transaction that stores its result."""
    replay = await claim(key, user_id, digest)
    if replay:
        return 200, replay[1]
    heartbeat = asyncio.create_task(_keep(key), name=f"idempotency-{key}")
    try:
        return await work()
    except BaseException:
        await release(key)
        raise
    finally:
        heartbeat.cancel()


async def _keep(key: str) -> None:
    """Renew the claim while the request works on it."""
    while True:
        await asyncio.sleep(HEARTBEAT.total_seconds())
        try:
            await IdempotencyKey.update({IdempotencyKey.created_at: now()}).where(
                (IdempotencyKey.key == key) & (IdempotencyKey.state == "processing"))
        except Exception:  # the next beat tries again; the lease is four beats long
            log.warning("could not renew idempotency key %s", key, exc_info=True)


async def claim(key: str, user_id: str, digest: str) -> Answer | None:
    """Reserve the key. Returns the stored answer for a replay, None to go on."""
    for _ in range(3):
        try:
            await IdempotencyKey.insert(IdempotencyKey(key=key, user=user_id, request_hash=digest))
            return None
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
        row = await IdempotencyKey.select().where(IdempotencyKey.key == key).first()
        if row is None:  # released in between: try again
            continue
        if str(row["user"]) != user_id or row["request_hash"] != digest:
            raise ApiError("idempotency_key_reused", "This key was used for other content", 422)
        if row["state"] == "done":
            return int(row["status_code"]), json_column(row["response"])
        if row["created_at"] > now() - IN_PROGRESS_LEASE:
            raise ApiError("request_in_progress", "The same request is being processed", 409,
                           headers={"Retry-After": "2"})
        # the request holding it died: take it over (only one taker wins the compare-and-set)
        taken = await IdempotencyKey.update({IdempotencyKey.created_at: now()}).where(
            (IdempotencyKey.key == key) & (IdempotencyKey.created_at == row["created_at"])
        ).returning(IdempotencyKey.key)
        if taken:
            return None
    raise ApiError("request_in_progress", "The same request is being processed", 409, headers={"Retry-After": "2"})


async def release(key: str) -> None:
    """Nothing was stored: free the key so the client may send again."""
    await IdempotencyKey.delete().where(IdempotencyKey.key == key)


async def complete(key: str, status: int, body: dict[str, Any]) -> None:
    """Record the answer for replays; call it inside the transaction that stores the result."""
    await IdempotencyKey.update(
        {IdempotencyKey.state: "done", IdempotencyKey.response: body, IdempotencyKey.status_code: status}
    ).where(IdempotencyKey.key == key)
