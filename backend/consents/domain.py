"""The consents domain as the app composes it."""

from backend.consents import api
from backend.core.domain import Domain

DOMAIN = Domain(
    "consents", piccolo_app="backend.consents.piccolo_app",
    controllers=api.controllers,
)
