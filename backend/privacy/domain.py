"""The privacy domain as the app composes it."""

from backend.core.domain import Domain
from backend.privacy import api

DOMAIN = Domain(
    "privacy", piccolo_app="backend.privacy.piccolo_app",
    controllers=api.controllers,
)
