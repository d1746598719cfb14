"""The inspections domain as the app composes it."""

from backend.core.domain import Domain
from backend.inspections import api

DOMAIN = Domain(
    "inspections", piccolo_app="backend.inspections.piccolo_app",
    controllers=api.controllers,
)
