"""One JSON error shape for the whole API: {code, message, field} with a 4xx status.

The PWA maps each stable `code` to Polish or English text; `message` is for developers.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

log = logging.getLogger("ebok.errors")


class ApiError(Exception):
    """A rule was broken: raised by services, turned into a JSON answer by the handler."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.status, self.field = code, message, status, field
        self.headers = headers or {}
        self.extra = extra or {}


def not_found(what: str = "object") -> ApiError:
    # docs/DESIGN.md: another customer's object is 404, never 403, so its existence does not leak
    return ApiError("not_found", f"{what} not found", 404)


def _body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field, **extra}


def api_error_handler(_: Request[Any, Any, Any], exc: ApiError) -> Response[Any]:
    return Response(_body(exc.code, exc.message, exc.field, **exc.extra), status_code=exc.status,
                    headers=exc.headers)


_FIELD = re.compile(r"at `\$\.([A-Za-z_][\w]*)")
_UNKNOWN = re.compile(r"(?:unknown|missing required) field `([^`]{1,60})`")


def validation_handler(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Bad JSON, unknown fields, wrong types, too long strings, control characters: 400 naming the
    field; a path parameter that cannot be an id: 404, as for an id that does not exist."""
    field = None
    message = "Invalid request"
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if isinstance(item, dict):
            if item.get("source") == "path":  # an id that is not a UUID names nothing there is
                return Response(_body("not_found", "Not found"), status_code=404)
            message = str(item.get("message", message))
            key = item.get("key")
            if key and key != "body":
                field = str(key)
            found = _FIELD.search(message) or _UNKNOWN.search(message)
            if found:
                field = found.group(1)
            break
    return Response(_body("invalid_request", message, field), status_code=400)


def http_exception_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException):
        return Response(_body("not_authenticated", "Log in first"), status_code=401)
    if isinstance(exc, PermissionDeniedException):
        code = "csrf" if "CSRF" in str(exc.detail) else "forbidden"
        return Response(_body(code, str(exc.detail)), status_code=403)
    if isinstance(exc, NotFoundException):
        return Response(_body("not_found", "Not found"), status_code=404)
    status = exc.status_code
    if status >= 500:
        log.exception("server error", exc_info=exc)
        return Response(_body("server_error", "Server error"), status_code=status)
    # 400s that are not ValidationException are unreadable bodies (malformed JSON, bad multipart)
    code = {400: "invalid_request", 405: "method_not_allowed", 413: "too_large",
            429: "too_many_requests"}.get(status, "bad_request")
    return Response(_body(code, str(exc.detail)), status_code=status, headers=exc.headers)


def server_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error", exc_info=exc)
    return Response(_body("server_error", "Server error"), status_code=HTTP_500_INTERNAL_SERVER_ERROR)


exception_handlers: dict[Any, Any] = {
    ApiError: api_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_exception_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: server_error_handler,
}
