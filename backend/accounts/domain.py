"""The accounts domain as the app composes it."""

from backend.accounts import api
from backend.core.domain import Domain

DOMAIN = Domain(
    "accounts", piccolo_app="backend.accounts.piccolo_app",
    controllers=api.controllers,
)
