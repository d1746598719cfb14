"""Who is asking: the session cookie is resolved to a CurrentUser on every API request;
guards then require a login or a role, and handlers receive the user as a typed parameter
(`user: UserDep` behind a login guard, `viewer: ViewerDep` where anyone may ask)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import SkipValidation
from litestar.types import ASGIApp, Guard, Receive, Scope, Send

from backend.accounts import services
from backend.accounts.schemas import CurrentUser
from backend.core.errors import ApiError
from backend.settings import Settings

SESSION_COOKIE = "ebok_session"


def session_middleware_factory(settings: Settings) -> Callable[[ASGIApp], ASGIApp]:
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


def viewer_of(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    """The only reader of the scope's user: everything else receives it from here."""
    user: CurrentUser | None = connection.scope.get("user")
    return user


def user_of(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    user = viewer_of(connection)
    if user is None:
        raise NotAuthorizedException()
    return user


def logged_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user_of(connection)


def staff_only(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    if user_of(connection).role != "staff":
        # staff endpoints are not secret, but a resident gets the same answer as for a missing page
        raise ApiError("not_found", "Not found", 404)


def role_in(*roles: str) -> Guard:
    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        if user_of(connection).role not in roles:
            raise ApiError("not_found", "Not found", 404)

    return guard


# The session middleware built the user; validating it again per request would only cost time.
UserDep: TypeAlias = NamedDependency[SkipValidation[CurrentUser]]
ViewerDep: TypeAlias = NamedDependency[SkipValidation[CurrentUser | None]]



def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    return user_of(request)


def _viewer(request: Request[Any, Any, Any]) -> CurrentUser | None:
    return viewer_of(request)


dependencies = {"user": Provide(_user, sync_to_thread=False), "viewer": Provide(_viewer, sync_to_thread=False)}
