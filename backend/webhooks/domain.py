"""The webhooks domain as the app composes it: its tables and the outbox handler that sends. The
office's screens for it are served by the integration domain (they need accounts' guards, above)."""

from backend.core.domain import Domain
from backend.webhooks import services

DOMAIN = Domain(
    "webhooks", piccolo_app="backend.webhooks.piccolo_app",
    outbox_handlers=lambda settings: {services.KIND: services.Sender(settings)},
    outbox_apart=lambda settings: {services.KIND: settings.webhook_in_flight},
)
