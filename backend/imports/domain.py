"""The office's registry imports as the app composes it."""

from backend.core.domain import Domain
from backend.imports import api
from backend.imports.services import APPLY_JOB, CHECK_JOB, RegistryApply, RegistryCheck

DOMAIN = Domain(
    "imports", piccolo_app="backend.imports.piccolo_app",
    controllers=api.controllers,
    outbox_handlers=lambda settings: {CHECK_JOB: RegistryCheck(settings), APPLY_JOB: RegistryApply(settings)},
)
