"""Who is asking: the session cookie is resolved to a CurrentUser on every API request;
guards then require a login or a role, and handlers receive the user as a typed parameter
(`user: UserDep` behind a login guard, `viewer: ViewerDep` where anyone may ask)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, TypeAlias

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import SkipValidation
from litestar.types import ASGIApp, Guard, HTTPResponseStartEvent, Receive, Scope, Send

from backend.accounts import services
from backend.accounts.schemas import CurrentUser
from backend.core.errors import ApiError
from backend.settings import Settings

SESSION_COOKIE = "ebok_session"
# The session cookie's readable twin (services.login_mark of it). The app deletes it when the person
# logs out, also without signal: the HttpOnly session alone then logs nobody in, and the first request
# that reaches the server ends that session and expires its cookie.
LOGIN_COOKIE = "ebok_login"
# The account an outbox upload was queued by (the PWA sends it): another account's session may not
# send it, whichever browser it waited in.
OWNER_HEADER = "x-outbox-owner"


def _expire_session_cookie(send: Send, settings: Settings) -> Send:
    cookie = f"{SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax{'; Secure' if settings.secure_cookies else ''}"

    async def wrapped(message: Any) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
        await send(message)

    return wrapped


async def _refuse_other_owner(send: Send) -> None:
    body = msgspec.json.encode({"code": "owner_mismatch", "field": None,
                                "message": "This upload was queued by another account"})
    start: HTTPResponseStartEvent = {"type": "http.response.start", "status": 409, "headers": [
        (b"content-type", b"application/json"), (b"cache-control", b"no-store")]}
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


def session_middleware_factory(settings: Settings) -> Callable[[ASGIApp], ASGIApp]:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            scope["user"] = None
            if scope["type"] == "http" and scope["path"].startswith("/api/"):
                connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
                cookie = connection.cookies.get(SESSION_COOKIE, "")
                if cookie and hmac.compare_digest(connection.cookies.get(LOGIN_COOKIE, ""), services.login_mark(cookie)):
                    scope["user"] = await services.load_session(settings, cookie)
                elif cookie:  # logged out on this device while the server could not be reached
                    await services.end_session_of_cookie(cookie)
                    send = _expire_session_cookie(send, settings)
                owner = connection.headers.get(OWNER_HEADER)
                if owner and scope["user"] is not None and owner != scope["user"].id:
                    await _refuse_other_owner(send)
                    return
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


def _options(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    # Litestar's own OPTIONS answer (the Allow list, no data) inherits the controller's guards
    return connection.scope.get("method") == "OPTIONS"


# The guards are coroutines: Litestar runs a plain function guard in a worker thread (a thread hop
# on every request for what is a dictionary lookup).
async def logged_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not _options(connection):
        user_of(connection)


async def staff_only(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    if not _options(connection) and user_of(connection).role != "staff":
        # staff endpoints are not secret, but a resident gets the same answer as for a missing page
        raise ApiError("not_found", "Not found", 404)


def role_in(*roles: str) -> Guard:
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        if not _options(connection) and user_of(connection).role not in roles:
            raise ApiError("not_found", "Not found", 404)

    return guard


# The session middleware built the user; validating it again per request would only cost time.
UserDep: TypeAlias = NamedDependency[SkipValidation[CurrentUser]]
ViewerDep: TypeAlias = NamedDependency[SkipValidation[CurrentUser | None]]



# Both take `settings` (the app's, cached) only to come after it: Litestar resolves the dependencies
# a handler needs level by level, and two of one level (`user` and `settings`, as most handlers ask)
# in an anyio task group, ~0.1 ms of every request; one a level is awaited directly.
def _user(request: Request[Any, Any, Any], settings: SkipValidation[Settings]) -> CurrentUser:
    return user_of(request)


def _viewer(request: Request[Any, Any, Any], settings: SkipValidation[Settings]) -> CurrentUser | None:
    return viewer_of(request)


dependencies = {"user": Provide(_user, sync_to_thread=False), "viewer": Provide(_viewer, sync_to_thread=False)}
