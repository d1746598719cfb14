"""The customers domain as the app composes it."""

from backend.core.domain import Domain

DOMAIN = Domain(
    "customers", piccolo_app="backend.customers.piccolo_app",
)
