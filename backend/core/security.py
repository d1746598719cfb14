"""Security headers, CSRF configuration and the secret it signs with."""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.settings import Settings

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

_STATIC_HEADERS = [
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(self), geolocation=(), microphone=(), payment=()"),
]


HSTS = "max-age=31536000"  # a year; not includeSubDomains: the utility's other hosts are not ours to decide


_STATIC_NAMES = frozenset(name.encode() for name, _ in _STATIC_HEADERS)
_STATIC_RAW = [(name.encode(), value.encode()) for name, value in _STATIC_HEADERS]
_HSTS_RAW = (b"strict-transport-security", HSTS.encode())
_NO_STORE_RAW = (b"cache-control", b"no-store")


def security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A before_send hook, so it covers every answer, the router's own 404/405 included;
    API answers hold personal data, so they are `no-store`. Served as https (EBOK_BASE_URL),
    browsers are told to come back over https only. The headers are set on the raw list, encoded
    once: it runs on every answer."""
    added = [*_STATIC_RAW, _HSTS_RAW] if settings.base_url.startswith("https://") else _STATIC_RAW
    replaced = _STATIC_NAMES | {_HSTS_RAW[0]} if added is not _STATIC_RAW else _STATIC_NAMES

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or ())
        names = {name.lower() for name, _ in headers}
        if not names.isdisjoint(replaced):  # ours replace whatever a handler set under the same name
            headers = [(name, value) for name, value in headers if name.lower() not in replaced]
        headers.extend(added)
        if scope["path"].startswith("/api/") and b"cache-control" not in names:
            headers.append(_NO_STORE_RAW)
        message["headers"] = headers

    return add_security_headers


def secret_key(settings: Settings) -> str:
    """EBOK_SECRET_KEY, or one generated once and kept in the data directory (mode 0600).
    Several instances on separate disks must be given the same EBOK_SECRET_KEY."""
    from_env = os.environ.get("EBOK_SECRET_KEY")
    if from_env:
        return from_env
    path: Path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
        try:  # atomic: a second process starting at the same moment keeps the first one's key
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def csrf_middleware(config: CSRFConfig) -> Callable[[ASGIApp], ASGIApp]:
    """Litestar's CSRFMiddleware (the app's innermost middleware, where Litestar would put it), except
    that a safe request already carrying the CSRF cookie goes straight through: there is nothing to
    check, and nothing to set, yet Litestar's builds a Request, parses its content type and wraps
    `send` for every such answer (most requests are the PWA's GETs, every one with the cookie). Every
    other request, and every check of an unsafe one, is Litestar's own."""

    def factory(app: ASGIApp) -> ASGIApp:
        checked = CSRFMiddleware(app=app, config=config)

        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if (scope["type"] == ScopeType.HTTP and scope.get("method") in config.safe_methods
                    and ASGIConnection(scope).cookies.get(config.cookie_name)):
                await app(scope, receive, send)
                return
            await checked(scope, receive, send)

        return middleware

    return factory


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=secret_key(settings),
        cookie_name="csrftoken",
        header_name="X-CSRFToken",
        cookie_secure=settings.secure_cookies,
        cookie_samesite="lax",
        # machine clients authenticate with a bearer token, which a browser never sends by itself
        # the SMS gateway's delivery reports carry their own key (backend/core/sms.py)
        exclude=["^/api/integration/", "^/api/sms/report$"],
    )


def client_ip(request: Request[Any, Any, Any], settings: Settings) -> str:
    if settings.trusted_proxies:
        forwarded = request.headers.get("x-forwarded-for", "")
        if forwarded:
            # the hop our proxy appended: the entries before it are whatever the client sent, and
            # taking the first let anyone pick a fresh address for every login guess
            return forwarded.split(",")[-1].strip()
    return request.client.host if request.client else "unknown"
