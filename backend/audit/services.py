"""The audit log of staff actions (issue 17.5, issue 13.6): who, when, what, on which object,
before and after. `record` is its one writer; it runs on the caller's connection, so inside the
caller's transaction the entry commits or rolls back with the change it describes. Nothing
updates an entry; only the retention purge deletes the entries older than the configured days."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, Protocol

import msgspec

from backend.audit.schemas import AuditEntryOut, AuditPageOut
from backend.audit.tables import AuditEntry
from backend.core import bulk
from backend.core.clock import iso, local_midnight, now
from backend.core.db import contains, engine, json_column, transaction


class Person(Protocol):
    """An account acting (the signed-in user): its id and e-mail are what the log keeps."""

    @property
    def id(self) -> str: ...

    @property
    def email(self) -> str: ...


class Acting(msgspec.Struct, frozen=True):
    """A person known by id and name or e-mail only (e.g. the staff member a background job works for)."""

    id: str
    email: str


Actor = Person | str | None  # a person; a name such as "cli" or "system"; None: the system


def _actor(actor: Actor) -> tuple[uuid.UUID | None, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor[:254]
    return uuid.UUID(str(actor.id)), (actor.email or str(actor.id))[:254]


def _json(value: Any) -> str | None:
    """Dates, instants, UUIDs and Structs as JSON; the value is kept as it was at that moment."""
    if value is None:
        return None
    return msgspec.json.encode(value, enc_hook=str).decode()


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields whose value differs, as (before, after): what an update entry keeps."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _row(actor: Actor, action: str, object_kind: str, object_id: Any, before: Any, after: Any,
         customer_id: Any, at: datetime) -> tuple[Any, ...]:
    actor_id, name = _actor(actor)
    return (uuid.uuid4(), at, actor_id, name, action[:60], object_kind[:40], str(object_id)[:80],
            uuid.UUID(str(customer_id)) if customer_id else None, _json(before), _json(after))


_COLUMNS = ("id", "at", "actor_id", "actor", "action", "object_kind", "object_id", "customer_id", "before", "after")


async def record(actor: Actor, action: str, object_kind: str, object_id: Any, before: Any = None,
                 after: Any = None, *, customer_id: Any = None) -> None:
    """One entry. Inside the caller's transaction it is part of it (Piccolo runs the insert on
    the transaction of this task, when there is one)."""
    row = dict(zip(_COLUMNS, _row(actor, action, object_kind, object_id, before, after, customer_id, now()),
                   strict=True))
    await AuditEntry.insert(AuditEntry(**row))


class Entry(msgspec.Struct, frozen=True):
    """One entry of `record_many`: what `record` takes after the actor."""

    action: str
    object_kind: str
    object_id: Any
    before: Any = None
    after: Any = None
    customer_id: Any = None


async def record_many(actor: Actor, entries: Iterable[Entry]) -> int:
    """Many entries (a registry import) in bulk, in the caller's transaction when there is one
    (else in one of their own); made and written a chunk at a time, so a 300,000-row import does
    not hold them all. Returns how many were written."""
    tx = engine().current_transaction.get()
    if tx is None:
        async with transaction():
            return await record_many(actor, entries)
    at, written, chunk = now(), 0, []
    for e in entries:
        chunk.append(_row(actor, e.action, e.object_kind, e.object_id, e.before, e.after, e.customer_id, at))
        if len(chunk) == _CHUNK:
            await bulk.insert(tx, AuditEntry, _COLUMNS, chunk)
            written, chunk = written + len(chunk), []
    if chunk:
        await bulk.insert(tx, AuditEntry, _COLUMNS, chunk)
        written += len(chunk)
    return written


_CHUNK = 5000


def _out(r: dict[str, Any]) -> AuditEntryOut:
    return AuditEntryOut(
        id=str(r["id"]), at=iso(r["at"]), actor_id=str(r["actor_id"]) if r["actor_id"] else None, actor=r["actor"],
        action=r["action"], object_kind=r["object_kind"], object_id=r["object_id"],
        customer_id=str(r["customer_id"]) if r["customer_id"] else None,
        before=json_column(r["before"]), after=json_column(r["after"]),
    )


async def search(*, actor: str = "", action: str = "", object_kind: str = "", object_id: str = "",
                 customer_id: str | None = None, since: date | None = None, until: date | None = None,
                 offset: int = 0, limit: int = 50) -> AuditPageOut:
    """Newest first. `actor`: part of the e-mail (or the name of the system); `since`/`until`:
    Warsaw calendar days, both included."""
    query = AuditEntry.select().order_by(AuditEntry.at, ascending=False).order_by(AuditEntry.id, ascending=False)
    conditions = []
    if actor:
        conditions.append(contains(AuditEntry.actor, actor))
    if action:
        conditions.append(AuditEntry.action == action)
    if object_kind:
        conditions.append(AuditEntry.object_kind == object_kind)
    if object_id:
        conditions.append(AuditEntry.object_id == object_id)
    if customer_id:
        conditions.append(AuditEntry.customer_id == customer_id)
    if since:
        conditions.append(AuditEntry.at >= local_midnight(since))
    if until:
        conditions.append(AuditEntry.at < local_midnight(until + timedelta(days=1)))
    if conditions:
        query = query.where(*conditions)
    rows = await query.offset(offset).limit(limit + 1)
    return AuditPageOut(entries=[_out(r) for r in rows[:limit]], more=len(rows) > limit, actions=await actions())


async def actions() -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    return [r["action"] for r in rows]


async def trail(customer_id: str, limit: int = 100) -> list[AuditEntryOut]:
    """The newest entries about one customer and what belongs to them."""
    rows = await AuditEntry.select().where(AuditEntry.customer_id == customer_id).order_by(
        AuditEntry.at, ascending=False).limit(limit)
    return [_out(r) for r in rows]


async def purge(retention_days: int, at: datetime | None = None) -> int:
    """Delete the entries older than the retention; returns how many went."""
    cutoff = (at or now()) - timedelta(days=retention_days)
    gone = await AuditEntry.count().where(AuditEntry.at < cutoff)
    if gone:
        await AuditEntry.delete().where(AuditEntry.at < cutoff)
        await record(None, "audit.purge", "audit", "retention", after={"deleted": gone, "before": iso(cutoff)})
    return gone
