"""The applications domain as the app composes it."""

from backend.applications import api
from backend.core.domain import Domain

DOMAIN = Domain(
    "applications", piccolo_app="backend.applications.piccolo_app",
    controllers=api.controllers,
)
