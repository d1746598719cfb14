"""The readings domain as the app composes it."""

from backend.core.domain import Domain
from backend.readings import api

DOMAIN = Domain(
    "readings", piccolo_app="backend.readings.piccolo_app",
    controllers=api.controllers,
)
