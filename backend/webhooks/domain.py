"""The webhooks domain as the app composes it: its tables, the outbox handler that sends, and the
daily purge (at 3:30 Warsaw, an outbox daily job) of events EBOK_WEBHOOK_RETENTION_DAYS after their
deliveries ended. The office's screens for it are served by the integration domain (they need
accounts' guards, above)."""

from __future__ import annotations

from datetime import time
from typing import Any

from backend.core import outbox
from backend.core.domain import Domain
from backend.settings import Settings
from backend.webhooks import services

PURGE = "webhook.purge"


def handlers(settings: Settings) -> dict[str, outbox.Handler]:
    async def purge(payload: dict[str, Any]) -> None:
        await services.purge(settings.webhook_retention_days)

    return {services.KIND: services.Sender(settings), PURGE: purge}


DOMAIN = Domain(
    "webhooks", piccolo_app="backend.webhooks.piccolo_app", outbox_handlers=handlers,
    daily_jobs={PURGE: time(3, 30)},
    outbox_apart=lambda settings: {services.KIND: settings.webhook_in_flight},
)
