# SPDX-License-Identifier: AGPL-3.0-or-later
"""Endpoints for whoever runs e-BOK: /metrics (Prometheus) and /api/ready (readiness)."""

from __future__ import annotations

import hmac
import ipaddress
import logging
from typing import Any

from litestar import Request, Response, get
from prometheus_client import CONTENT_TYPE_LATEST

from backend.core import db, metrics
from backend.core.errors import ApiError
from backend.core.security import client_ip
from backend.settings import Settings, SettingsDep

log = logging.getLogger("ebok.ops")
FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def _in(address: str, allowed: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue  # a typo in EBOK_METRICS_ALLOW allows nothing
    return False


def metrics_allowed(request: Request[Any, Any, Any], settings: Settings) -> bool:
    """The machine itself (a loopback peer with no proxy in between: a request the proxy forwarded
    comes from the proxy's loopback address but from someone else), an address of EBOK_METRICS_ALLOW
    or the EBOK_METRICS_TOKEN bearer."""
    auth = request.headers.get("authorization", "")
    if settings.metrics_token and auth.lower().startswith("bearer "):
        if hmac.compare_digest(auth[7:].strip().encode(), settings.metrics_token.encode()):
            return True
    peer = request.client.host if request.client else ""
    forwarded = [h for h in FORWARDING_HEADERS if h in request.headers]
    if not forwarded and _in(peer, ("127.0.0.0/8", "::1/128")):
        return True
    if not settings.metrics_allow:
        return False
    address = peer
    if forwarded and settings.trusted_proxies:
        # the last hop our proxy appended: the earlier entries are whatever the client sent
        address = client_ip(request, settings)
    return _in(address, settings.metrics_allow)


@get("/metrics", include_in_schema=False, cache_control=None)
async def scrape(request: Request[Any, Any, Any], settings: SettingsDep) -> Response[bytes]:
    if not metrics_allowed(request, settings):
        raise ApiError("forbidden", "Metrics are answered to the machine itself, EBOK_METRICS_ALLOW or the token",
                       403)
    body = metrics.process_metrics() + await metrics.database_metrics()
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"cache-control": "no-store"})


@get("/api/ready", cache_control=None)
async def ready() -> Response[dict[str, Any]]:
    """503 while the database does not answer or migrations are pending (a load balancer sends no
    traffic here yet); /api/health says only that the process is alive."""
    try:
        pending = await db.pending_migrations()
    except Exception as exc:
        log.warning("readiness: database unreachable: %r", exc)
        return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)
    if pending:
        return Response({"status": "unavailable", "database": "ok", "pending_migrations": len(pending)},
                        status_code=503)
    return Response({"status": "ready", "database": "ok", "pending_migrations": 0})


controllers = [scrape, ready]
