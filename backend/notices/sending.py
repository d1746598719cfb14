"""What the notices domain's two senders share (the reading reminders of reminders.py and the
notices about a resident's own data of fanout.py): both keep one row per message with a `status`
(queued | sent | skipped | failed), `attempts` and `sent_at`, sent by outbox jobs of {"ids"}."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from backend.core import outbox
from backend.core.clock import now
from backend.core.db import transaction
from backend.notices import rules

QUIET_CHANNELS = ("push", "sms")  # held through the quiet hours; e-mail is not
MAX_ATTEMPTS = 8  # push tries before a message is given up


async def hold_for_morning(job: str, rows: list[dict[str, Any]], t: datetime) -> list[dict[str, Any]]:
    """The rows to send at `t`: in the quiet hours (a job that ran late, a worker down overnight)
    the push and SMS rows go to a job of their own that runs in the morning."""
    quiet = rules.not_quiet(t)
    if quiet <= t or not any(r["channel"] in QUIET_CHANNELS for r in rows):
        return rows
    await outbox.enqueue(job, {"ids": [str(r["id"]) for r in rows if r["channel"] in QUIET_CHANNELS]},
                         run_after=quiet)
    return [r for r in rows if r["channel"] not in QUIET_CHANNELS]


async def mark(table: Any, ids: list[Any], status: str) -> None:
    for i in range(0, len(ids), 500):
        await table.update({table.status: status, table.sent_at: now()}).where(table.id.is_in(ids[i:i + 500]))


async def claim(table: Any, row_id: Any) -> bool:
    """queued -> sent for one row, in the caller's transaction: False when another process that
    holds the same job (its lease run out) took it first."""
    return bool(await table.update({table.status: "sent", table.sent_at: now()}).where(
        (table.id == row_id) & (table.status == "queued")).returning(table.id))


async def record_push(table: Any, job: str, rows: list[dict[str, Any]], results: dict[str, str],
                      t: datetime) -> None:
    """A push round's results (outages.push_to, by device = the row's `recipient`): sent, failed
    (gone or refused), or tried again later with backoff, outside the quiet hours, up to MAX_ATTEMPTS."""
    by_status: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_status[results.get(r["recipient"], "failed")].append(r)
    await mark(table, [r["id"] for r in by_status["sent"]], "sent")
    await mark(table, [r["id"] for r in by_status["gone"] + by_status["failed"]], "failed")
    retry = by_status["retry"]
    if not retry:
        return
    attempts = max(int(r["attempts"]) for r in retry) + 1
    ids = [r["id"] for r in retry]
    if attempts >= MAX_ATTEMPTS:
        await mark(table, ids, "failed")
        return
    async with transaction():
        for i in range(0, len(ids), 500):
            await table.update({table.attempts: table.attempts + 1}).where(table.id.is_in(ids[i:i + 500]))
        await outbox.enqueue(job, {"ids": [str(i) for i in ids]},
                             run_after=rules.not_quiet(t + timedelta(seconds=outbox.backoff(attempts))))
