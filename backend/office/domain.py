"""The office's customer screen as the app composes it: reads several domains, so it sits above them
(like the residents' dashboard); it has no tables of its own."""

from backend.core.domain import Domain
from backend.office import api

DOMAIN = Domain("office", controllers=api.controllers)
