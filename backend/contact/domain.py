"""The contact domain as the app composes it."""

from backend.contact import api
from backend.core.domain import Domain

DOMAIN = Domain(
    "contact", piccolo_app="backend.contact.piccolo_app",
    controllers=api.controllers,
)
