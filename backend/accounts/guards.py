"""Who is asking: the session cookie is resolved to a CurrentUser on every API request;
guards then require a login or a role."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from backend.accounts import services
from backend.core.errors import ApiError
from backend.settings import Settings

SESSION_COOKIE = "ebok_session"


def session_middleware_factory(settings: Settings):  # type: ignore[no-untyped-def]
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["path"].startswith("/api/"):
                cookie = ASGIConnection(scope).cookies.get(SESSION_COOKIE, "")
                scope["user"] = await services.load_session(settings, cookie) if cookie else None
            else:
                scope["user"] = None
            await app(scope, receive, send)

        return middleware

    return factory


def logged_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if connection.scope.get("user") is None:
        raise NotAuthorizedException()


def staff_only(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    logged_in(connection, handler)
    if connection.scope["user"].role != "staff":
        # staff endpoints are not secret, but a resident gets the same answer as for a missing page
        raise ApiError("not_found", "Not found", 404)


def role_in(*roles: str):  # type: ignore[no-untyped-def]
    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        logged_in(connection, handler)
        if connection.scope["user"].role not in roles:
            raise ApiError("not_found", "Not found", 404)

    return guard
