"""The billing domain as the app composes it."""

from backend.billing import api
from backend.billing.mailing import KIND, InvoiceMail
from backend.core.domain import Domain

DOMAIN = Domain(
    "billing", piccolo_app="backend.billing.piccolo_app",
    controllers=api.controllers,
    outbox_handlers=lambda settings: {KIND: InvoiceMail(settings)},
)
