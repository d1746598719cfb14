"""The dashboard as the app composes it: controllers only, no tables of its own."""

from backend.core.domain import Domain
from backend.dashboard import api

DOMAIN = Domain("dashboard", controllers=api.controllers)
