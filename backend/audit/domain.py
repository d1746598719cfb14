"""The audit domain as the app composes it: the log of staff actions, its search for the office
and the daily purge (at 3:00 Warsaw, an outbox daily job) of entries older than
EBOK_AUDIT_RETENTION_DAYS."""

from __future__ import annotations

from datetime import time
from typing import Any

from backend.audit import api, services
from backend.core import outbox
from backend.core.domain import Domain
from backend.settings import Settings

PURGE = "audit.purge"


def handlers(settings: Settings) -> dict[str, outbox.Handler]:
    async def purge(payload: dict[str, Any]) -> None:
        await services.purge(settings.audit_retention_days)

    return {PURGE: purge}


DOMAIN = Domain(
    "audit", piccolo_app="backend.audit.piccolo_app",
    controllers=api.controllers, outbox_handlers=handlers, daily_jobs={PURGE: time(3, 0)},
)
