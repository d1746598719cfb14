"""The documents domain as the app composes it."""

from backend.core.domain import Domain
from backend.documents import api

DOMAIN = Domain(
    "documents", piccolo_app="backend.documents.piccolo_app",
    controllers=api.controllers,
)
