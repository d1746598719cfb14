"""Notices about a resident's own data (issue 15.2): the inbox the domains write to.

The domain whose change it is (a reading rejected, a document issued, a payment booked, an outage
extended or ended) calls `emit` in the transaction of the change: the events go into the outbox
as `notice_fanout` jobs of up to BATCH events, so they exist if and only if the change was
committed, and a run of 100,000 invoices adds 200 job rows, not a query per customer. The notices
domain (backend/notices/fanout.py) handles those jobs: it decides who is told on which channel (the
resident's choices for "notices" in Konto → Powiadomienia), writes one row per event, channel and
recipient (unique, so a job that runs again sends nothing twice) and sends them.

This sits in core, not in backend/notices/, because the domains that write these events (readings,
billing, outages) are below the notices in the layers (the notices read them to send reminders)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from backend.core import outbox

JOB = "notice_fanout"
BATCH = 500  # events a fan-out job takes
# what a notice is about; each has its texts in backend/notices/notice_texts.py
KINDS = ("reading_rejected", "reading_corrected", "invoice", "correction", "reminder", "payment",
         "outage_extended", "outage_ended")


@dataclass(frozen=True)
class Event:
    kind: str
    customer: str  # whose data it is
    ref: str  # what it is about (the reading, document, payment; an outage with its change): unique per kind
    data: dict[str, Any] = field(default_factory=dict)  # what the texts need (JSON values)


async def emit(events: Sequence[Event]) -> int:
    """Queue the notices of `events` in the caller's transaction. Returns how many jobs it queued."""
    items = [{"kind": e.kind, "customer": str(e.customer), "ref": str(e.ref), "data": e.data}
             for e in events if e.customer]
    for e in items:
        assert e["kind"] in KINDS, e["kind"]
    jobs = 0
    for i in range(0, len(items), BATCH):
        await outbox.enqueue(JOB, {"events": items[i:i + BATCH]})
        jobs += 1
    return jobs
