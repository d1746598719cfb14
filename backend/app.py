"""create_app(settings) -> Litestar: wires the domains, security and the outbox worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig

from backend.accounts import api as accounts_api
from backend.accounts import guards
from backend.accounts import profile as profile_api
from backend.accounts import registration as registration_api
from backend.accounts.guards import session_middleware_factory
from backend.billing import api as billing_api
from backend.billing.mailing import KIND as INVOICE_MAIL
from backend.billing.mailing import InvoiceMail
from backend.consents import api as consents_api
from backend.contact import api as contact_api
from backend.core import api as core_api
from backend.core import db, static
from backend.core.errors import exception_handlers
from backend.core.mail import MailDelivery
from backend.core.outbox import Handler, Worker
from backend.core.security import add_security_headers, csrf_config
from backend.customers import api as customers_api
from backend.documents import api as documents_api
from backend.inspections import api as inspections_api
from backend.outages import api as outages_api
from backend.outages.sender import SEND_JOB, OutageAlertHelper, OutageAlerts
from backend.privacy import api as privacy_api
from backend.readings import api as readings_api
from backend.settings import Settings

log = logging.getLogger("ebok")


def outbox_handlers(settings: Settings) -> dict[str, Handler]:
    return {"mail": MailDelivery(settings), "outage_alert": OutageAlerts(settings),
            SEND_JOB: OutageAlertHelper(settings), INVOICE_MAIL: InvoiceMail(settings)}


@asynccontextmanager
async def resources(settings: Settings) -> AsyncIterator[None]:
    """The database pool and the in-process outbox worker, bound to the running event loop."""
    await db.start()
    worker = None
    if settings.run_worker:
        worker = Worker(handlers=outbox_handlers(settings))
        worker.start()
    try:
        yield
    finally:
        if worker:
            await worker.stop()
        await db.stop()


def create_app(settings: Settings | None = None, *, manage_resources: bool = True) -> Litestar:
    """`manage_resources=False` leaves the pool and worker to the caller: Litestar's test client
    runs the lifespan on another event loop, where an asyncpg pool would be unusable."""
    settings = settings or Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if not manage_resources:
            yield
            return
        async with resources(settings):
            yield

    return Litestar(
        route_handlers=[
            *core_api.controllers,
            *accounts_api.controllers,
            *customers_api.controllers,
            *readings_api.controllers,
            *inspections_api.controllers,
            *billing_api.controllers,
            *outages_api.controllers,
            *profile_api.controllers,
            *registration_api.controllers,
            *consents_api.controllers,
            *documents_api.controllers,
            *contact_api.controllers,
            *privacy_api.controllers,
            *static.controllers,
        ],
        dependencies={"settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
                      **guards.dependencies},
        middleware=[session_middleware_factory(settings)],
        before_send=[add_security_headers],
        csrf_config=csrf_config(settings),
        # the phone budget counts gzipped bytes: scripts, styles and JSON go out compressed
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024, gzip_compress_level=6),
        exception_handlers=exception_handlers,
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(title="e-BOK API", version="0.1.0", path="/api/schema"),
        request_max_body_size=1024 * 1024,  # JSON bodies are small; uploads raise it per handler
        debug=False,
    )
