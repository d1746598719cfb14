"""What the audit log's search answers."""

from __future__ import annotations

from typing import Any

import msgspec


class AuditEntryOut(msgspec.Struct, frozen=True):
    id: str
    at: str
    actor_id: str | None
    actor: str
    action: str
    object_kind: str
    object_id: str
    customer_id: str | None
    before: Any
    after: Any


class AuditPageOut(msgspec.Struct, frozen=True):
    entries: list[AuditEntryOut]
    more: bool  # another page follows (ask with offset + len(entries))
    actions: list[str]  # every action the log holds, for the search form
