"""The database outbox: work that must leave the process (mail, push) is queued in a table
inside the request's transaction and delivered by a worker, which may run inside `ebok serve`
or as separate `ebok worker` processes (PostgreSQL: FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from backend.core import metrics
from backend.core.clock import WARSAW, local_day, now
from backend.core.db import is_postgres, json_column, transaction
from backend.core.tables import OutboxJob

log = logging.getLogger("ebok.outbox")

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class RetryLater(Exception):  # a signal, not an error
    """A handler asks to be run again no sooner than `delay` seconds from now."""

    def __init__(self, delay: float, reason: str = "") -> None:
        super().__init__(reason)
        self.delay = delay


class GiveUp(Exception):
    """A handler says retrying cannot help (e.g. the recipient rejected the message)."""


MAX_ATTEMPTS = 12
LEASE = timedelta(minutes=5)  # a job held longer than this by a crashed worker is taken again
# On shutdown (SIGTERM) a worker claims nothing more and its jobs stop at their next step (see
# `stopping`); what still runs after this long is cancelled and its job put back, never held.
STOP_GRACE = 10.0
_worker: contextvars.ContextVar[Worker | None] = contextvars.ContextVar("ebok_outbox_worker", default=None)


def stopping() -> bool:
    """Whether the worker running this job is shutting down: a long job (an alert's fan-out)
    finishes the step in hand and raises RetryLater(0) so that another process, or this one
    after its restart, goes on from there."""
    worker = _worker.get()
    return worker is not None and worker.stopping
_running: set[Worker] = set()  # workers of this process, woken when a job is queued here


async def enqueue(kind: str, payload: dict[str, Any], run_after: datetime | None = None) -> uuid.UUID:
    job_id = uuid.uuid4()
    await OutboxJob.insert(
        OutboxJob(id=job_id, kind=kind, payload=payload, run_after=run_after or now())
    )
    for worker in _running:
        worker.wake.set()
    return job_id


# Daily jobs (the reading reminders' scan): one job per kind and Warsaw day, whose id is derived
# from both, so every worker of every process may queue it and the database keeps one.
_DAILY_NS = uuid.UUID("6f1c2f8e-2b5d-4c1e-9a55-15ebd0c0da11")


def daily_job_id(kind: str, day: date) -> uuid.UUID:
    return uuid.uuid5(_DAILY_NS, f"{kind}:{day.isoformat()}")


async def ensure_daily(daily: dict[str, time], day: date) -> None:
    """Queue each daily job of `day` (payload {"day"}) at its local time, unless it is queued."""
    for kind, at in daily.items():
        run_after = datetime.combine(day, at, WARSAW).astimezone(UTC)
        await OutboxJob.raw(
            "INSERT INTO outbox_job (id, kind, payload, status, attempts, run_after, last_error, created_at) "
            "VALUES ({}, {}, {}, 'pending', 0, {}, '', {}) ON CONFLICT DO NOTHING",
            daily_job_id(kind, day), kind, json.dumps({"day": day.isoformat()}), run_after, now())


def backoff(attempts: int) -> float:
    """Seconds to wait after the n-th failure: 5 s doubling, at most one hour."""
    return float(min(5 * 2 ** max(attempts - 1, 0), 3600))


_CLAIM = """
UPDATE outbox_job SET status = 'running', locked_until = {}, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM outbox_job
    WHERE ((status = 'pending' AND run_after <= {}) OR (status = 'running' AND locked_until < {}))
      AND kind IN (%s)
    ORDER BY run_after LIMIT {} %s
)
RETURNING id, kind, payload, attempts
"""


async def claim(kinds: list[str], limit: int = 20) -> list[dict[str, Any]]:
    t = now()
    placeholders = ", ".join("{}" for _ in kinds)
    lock = "FOR UPDATE SKIP LOCKED" if is_postgres() else ""
    sql = _CLAIM % (placeholders, lock)
    async with transaction():
        rows: list[dict[str, Any]] = await OutboxJob.raw(sql, t + LEASE, t, t, *kinds, limit)
    for row in rows:
        row["payload"] = json_column(row["payload"])
    return rows


async def _finish(job_id: Any, **values: Any) -> None:
    await OutboxJob.update(**values).where(OutboxJob.id == job_id)


async def run_job(job: dict[str, Any], handler: Handler) -> None:
    try:
        await handler(job["payload"])
    except asyncio.CancelledError:  # the process is stopping: the job is due again at once
        await _finish(job["id"], status="pending", run_after=now(), last_error="interrupted by shutdown",
                      attempts=OutboxJob.attempts - 1)
        raise
    except RetryLater as exc:
        metrics.OUTBOX_JOBS.labels(job["kind"], "retry").inc()
        await _finish(job["id"], status="pending", run_after=now() + timedelta(seconds=exc.delay),
                      last_error=str(exc)[:2000], attempts=OutboxJob.attempts - 1)
    except GiveUp as exc:
        log.warning("outbox job %s (%s) given up: %s", job["id"], job["kind"], exc)
        metrics.OUTBOX_JOBS.labels(job["kind"], "failed").inc()
        await _finish(job["id"], status="failed", last_error=str(exc)[:2000], done_at=now())
    except Exception as exc:  # any failure is retried with backoff
        attempts = int(job["attempts"])
        final = attempts >= MAX_ATTEMPTS
        log.warning("outbox job %s (%s) attempt %s failed: %r", job["id"], job["kind"], attempts, exc)
        metrics.OUTBOX_JOBS.labels(job["kind"], "failed" if final else "retry").inc()
        await _finish(
            job["id"],
            status="failed" if final else "pending",
            run_after=now() + timedelta(seconds=backoff(attempts)),
            last_error=repr(exc)[:2000],
            done_at=now() if final else None,
        )
    else:
        metrics.OUTBOX_JOBS.labels(job["kind"], "done").inc()
        await _finish(job["id"], status="done", done_at=now(), last_error="")


class Worker:
    """Claims and runs jobs until stopped; several workers in several processes may run at once."""

    def __init__(self, handlers: dict[str, Handler], poll_seconds: float = 1.0, concurrency: int = 8,
                 daily: dict[str, time] | None = None) -> None:
        self.handlers = handlers
        self.daily = {k: v for k, v in (daily or {}).items() if k in handlers}
        self._daily_done: date | None = None
        self.poll_seconds = poll_seconds
        self.concurrency = concurrency
        self._task: asyncio.Task[None] | None = None
        self.stopping = False
        self.wake = asyncio.Event()

    async def run_once(self) -> int:
        _worker.set(self)
        if self.stopping:
            return 0
        if self.daily and self._daily_done != (today := local_day(now())):
            await ensure_daily(self.daily, today)
            self._daily_done = today
        jobs = await claim(list(self.handlers), limit=self.concurrency)
        if jobs:
            await asyncio.gather(*(run_job(job, self.handlers[job["kind"]]) for job in jobs))
        return len(jobs)

    async def run_forever(self) -> None:
        log.info("outbox worker started: %s", ", ".join(sorted(self.handlers)))
        _worker.set(self)
        while not self.stopping:
            try:
                if await self.run_once():
                    continue
            except Exception:  # the worker must survive a database hiccup
                log.exception("outbox worker loop failed; retrying")
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass

    def start(self) -> None:
        _running.add(self)
        self._task = asyncio.create_task(self.run_forever(), name="ebok-outbox-worker")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Claim nothing more; let the jobs in hand stop at their next step, cancel (and put
        back) what is still running after `grace` seconds."""
        self.stopping = True
        self.wake.set()
        _running.discard(self)
        if self._task:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
