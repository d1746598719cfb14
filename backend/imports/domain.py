"""The office's registry imports as the app composes it: the check and apply jobs, and the daily purge
(3:30 Warsaw) of uploaded files older than EBOK_REGISTRY_UPLOAD_RETENTION_DAYS."""

from datetime import time
from typing import Any

from backend.core import outbox
from backend.core.domain import Domain
from backend.imports import api, services
from backend.imports.services import APPLY_JOB, CHECK_JOB, PURGE_JOB, RegistryApply, RegistryCheck
from backend.settings import Settings


def handlers(settings: Settings) -> dict[str, outbox.Handler]:
    async def purge(payload: dict[str, Any]) -> None:
        await services.purge(settings)

    return {CHECK_JOB: RegistryCheck(settings), APPLY_JOB: RegistryApply(settings), PURGE_JOB: purge}


DOMAIN = Domain(
    "imports", piccolo_app="backend.imports.piccolo_app",
    controllers=api.controllers, outbox_handlers=handlers, daily_jobs={PURGE_JOB: time(3, 30)},
)
