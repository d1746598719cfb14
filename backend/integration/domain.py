"""The integration domain as the app composes it: machine clients' tokens and their API."""

from backend.core.domain import Domain
from backend.integration import api

DOMAIN = Domain(
    "integration", piccolo_app="backend.integration.piccolo_app",
    controllers=api.controllers,
)
