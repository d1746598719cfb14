"""create_app(settings) -> Litestar: wires the domains, security and the outbox worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import time

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.di import Provide
from litestar.logging.config import LoggingConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

from backend.accounts import guards
from backend.accounts.guards import session_middleware_factory
from backend.core import db, multiproc
from backend.core.apidocs import ApiDocsPage
from backend.core.compression import compression_middleware
from backend.core.errors import exception_handlers
from backend.core.metrics import metrics_middleware
from backend.core.openapi import CompleteJson
from backend.core.outbox import Handler, Worker
from backend.core.security import csrf_config, csrf_middleware, security_headers
from backend.domains import DOMAINS
from backend.integration.api import SECURITY_COMPONENTS
from backend.settings import Settings

log = logging.getLogger("ebok")


def outbox_handlers(settings: Settings) -> dict[str, Handler]:
    return {kind: handler for domain in DOMAINS for kind, handler in domain.outbox_handlers(settings).items()}


def daily_jobs() -> dict[str, time]:
    return {kind: at for domain in DOMAINS for kind, at in domain.daily_jobs.items()}


def outbox_workers(settings: Settings) -> list[Worker]:
    """One worker for the jobs of every kind but those a domain runs apart, one for each of those."""
    handlers = outbox_handlers(settings)
    apart = {kind: n for domain in DOMAINS for kind, n in domain.outbox_apart(settings).items() if kind in handlers}
    workers = [Worker(handlers={k: h for k, h in handlers.items() if k not in apart}, daily=daily_jobs())]
    workers += [Worker(handlers={kind: handlers[kind]}, concurrency=n) for kind, n in apart.items()]
    return workers


@asynccontextmanager
async def resources(settings: Settings) -> AsyncIterator[None]:
    """The database pool and the in-process outbox worker, bound to the running event loop."""
    await db.start()
    workers = outbox_workers(settings) if settings.run_worker else []
    for worker in workers:
        worker.start()
    try:
        yield
    finally:
        await asyncio.gather(*(worker.stop() for worker in workers))
        await db.stop()
        multiproc.process_exited()  # prometheus-client's bookkeeping (multi-process mode only)


async def allow_every_method(message: Message, scope: Scope) -> None:
    """Litestar 2 answers OPTIONS with the methods of the handlers registered before its own
    (litestar#4169, fixed in v3): /api/session said "OPTIONS, POST" and hid DELETE. The Allow
    list is taken from the whole route instead."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    headers = MutableScopeHeaders.from_message(message)
    template = scope.get("path_template")
    if "allow" in headers and template:
        routes = {route.path_format: route.methods for route in Litestar.from_scope(scope).routes
                  if isinstance(route, HTTPRoute)}
        if template in routes:
            headers["allow"] = ", ".join(sorted(routes[template]))


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
        route_handlers=[controller for domain in DOMAINS for controller in domain.controllers],
        dependencies={"settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
                      **guards.dependencies},
        # metrics outermost: every answer; gzip (core/compression.py) instead of Litestar's compression_config;
        # CSRF innermost, where Litestar's csrf_config would put it (core/security.py csrf_middleware)
        middleware=[metrics_middleware, session_middleware_factory(settings), compression_middleware,
                    csrf_middleware(csrf_config(settings))],
        before_send=[security_headers(settings), allow_every_method],
        exception_handlers=exception_handlers,
        # Litestar's records go to the root logger, which `ebok` configures (text or JSON, backend/core/logs.py)
        logging_config=LoggingConfig(configure_root_logger=False,
                                     loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}}),
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(title="e-BOK API", version="0.1.0", path="/api/schema",
                                     components=[SECURITY_COMPONENTS],
                                     render_plugins=[ApiDocsPage(), CompleteJson()]),
        request_max_body_size=1024 * 1024,  # JSON bodies are small; uploads raise it per handler
        debug=False,
    )
